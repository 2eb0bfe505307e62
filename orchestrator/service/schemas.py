"""Request bodies of the HTTP service (pydantic). Unknown fields are refused (`extra="forbid"`).

The orchestrator's options in `/v1/ask` and `/v1/chat/completions` are built from
`orchestrator.AskOptions` (`ask_fields`): the same names, types, bounds and help, each
optional (an unset one keeps the service's default).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from orchestrator.options import OptionSpec, ask_fields

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


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DocumentIn(_Strict):
    doc_id: str = Field(min_length=1, max_length=512, description="upsert key")
    text: str = Field(min_length=1, description="the document's text")
    metadata: dict[str, Any] = Field(default_factory=dict)


class AddDocumentsRequest(_Strict):
    documents: list[DocumentIn] = Field(min_length=1, max_length=1000)
    store: str | None = Field(default=None, description="store name (default: the first)")


def _annotation(spec: OptionSpec) -> Any:
    if spec.kind is dict:
        return dict[str, Any]
    if spec.kind is list:
        return list[Literal[spec.choices()]]  # type: ignore[misc]  # the ladder, when imported
    if spec.choices is not None:
        return Literal[tuple(spec.choices())]  # type: ignore[misc]  # e.g. the search modes
    return spec.kind


def _field(spec: OptionSpec, **extra: Any) -> tuple[Any, Any]:
    """A pydantic field for an `AskOptions` field: optional, same bounds and help."""
    bounds = {**spec.bounds, **({"min_length": 1} if spec.kind is list else {}), **extra}
    return (_annotation(spec) | None, Field(default=None, description=spec.help, **bounds))


_SPECS = {spec.name: spec for spec in ask_fields()}


class SearchRequest(_Strict):
    query: str = Field(min_length=1, max_length=4000)
    k: int = Field(default=5, ge=1, le=100)
    where: str | None = Field(default=None, max_length=1000)
    store: str | None = None
    mode: _annotation(_SPECS["mode"]) = Field(  # type: ignore[valid-type]
        default=_SPECS["mode"].default, description=_SPECS["mode"].help
    )
    links: bool = Field(default=False, description="each hit's linked chunks (neighbours)")


def _options_model(name: str, *, exclude: tuple[str, ...] = ()) -> type[BaseModel]:
    """A body holding `store` and every `AskOptions` field but `exclude`, all optional."""
    return create_model(
        name,
        __base__=_Strict,
        __doc__="The orchestrator's options, all optional (the service's defaults apply).",
        store=(str | None, Field(default=None, description="store name (default: the first)")),
        **{key: _field(spec) for key, spec in _SPECS.items() if key not in exclude},
    )


class AskRequest(_options_model("AskOptionsBody")):
    question: str = Field(min_length=1, max_length=4000)


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


class ChatCompletionRequest(_options_model("ChatOptionsBody", exclude=("max_new_tokens",))):
    """OpenAI's chat-completions body (the fields this service honours) plus memory options.

    The last user message is the question; retrieval and the answer use it alone. The
    answer length is OpenAI's `max_completion_tokens` (or `max_tokens`), not
    `max_new_tokens`; `temperature`, `top_p` and `seed` are shared with `AskOptions`.
    """

    model: str | None = Field(default=None, max_length=200)
    messages: list[ChatMessage] = Field(min_length=1, max_length=200)
    max_tokens: int | None = _field(_SPECS["max_new_tokens"])[1]
    max_completion_tokens: int | None = _field(_SPECS["max_new_tokens"])[1]
    n: Literal[1] = 1
    stream: bool = False
    stream_options: StreamOptions | None = None
    user: str | None = Field(default=None, max_length=200)
