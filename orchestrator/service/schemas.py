"""Request bodies of the HTTP service (pydantic). Unknown fields are refused (`extra="forbid"`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from hyperword.levels import level_names

__all__ = [
    "AddDocumentsRequest",
    "AskRequest",
    "ChatCompletionRequest",
    "ChatMessage",
    "DocumentIn",
    "SearchRequest",
    "StreamOptions",
    "TextPart",
]

LevelName = Literal[level_names()]  # type: ignore[valid-type]  # the ladder, when imported


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DocumentIn(_Strict):
    doc_id: str = Field(min_length=1, max_length=512, description="upsert key")
    text: str = Field(min_length=1, description="the document's text")
    metadata: dict[str, Any] = Field(default_factory=dict)


class AddDocumentsRequest(_Strict):
    documents: list[DocumentIn] = Field(min_length=1, max_length=1000)
    store: str | None = Field(default=None, description="store name (default: the first)")


class SearchRequest(_Strict):
    query: str = Field(min_length=1, max_length=4000)
    k: int = Field(default=5, ge=1, le=100)
    where: str | None = Field(default=None, max_length=1000)
    store: str | None = None


class _AskOptions(_Strict):
    """The orchestrator's options, all optional (the service's defaults apply)."""

    store: str | None = None
    budget: int | None = Field(default=None, ge=1, le=131072)
    k: int | None = Field(default=None, ge=1, le=100)
    where: str | None = Field(default=None, max_length=1000)
    policy: str | None = Field(default=None, max_length=100)
    policy_options: dict[str, Any] | None = None
    levels: list[LevelName] | None = Field(default=None, min_length=1)
    hops: int | None = Field(default=None, ge=1, le=2)
    focus: bool | None = None


class AskRequest(_AskOptions):
    question: str = Field(min_length=1, max_length=4000)
    max_new_tokens: int | None = Field(default=None, ge=1, le=1024)
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, gt=0, le=1)
    top_k: int | None = Field(default=None, ge=0)
    seed: int | None = Field(default=None, ge=0)


class TextPart(_Strict):
    type: Literal["text"]
    text: str


class ChatMessage(_Strict):
    role: Literal["system", "developer", "user", "assistant"]
    content: str | list[TextPart] | None = None
    name: str | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(part.text for part in self.content)
        return self.content or ""


class StreamOptions(_Strict):
    include_usage: bool = False


class ChatCompletionRequest(_AskOptions):
    """OpenAI's chat-completions body (the fields this service honours) plus memory options.

    The last user message is the question; retrieval and the answer use it alone.
    """

    model: str | None = Field(default=None, max_length=200)
    messages: list[ChatMessage] = Field(min_length=1, max_length=200)
    max_tokens: int | None = Field(default=None, ge=1, le=1024)
    max_completion_tokens: int | None = Field(default=None, ge=1, le=1024)
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, gt=0, le=1)
    n: Literal[1] = 1
    seed: int | None = Field(default=None, ge=0)
    stream: bool = False
    stream_options: StreamOptions | None = None
    user: str | None = Field(default=None, max_length=200)
