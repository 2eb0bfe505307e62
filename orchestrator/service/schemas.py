"""Request bodies of the HTTP service (pydantic). Unknown fields are refused (`extra="forbid"`).

The orchestrator's options in `/v1/ask` and `/v1/chat/completions` are built from
`orchestrator.AskOptions` (`ask_fields`): the same names, types, bounds and help, each
optional (an unset one keeps the service's default).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator, model_validator

from hyperword.text_files import find_lone_surrogate
from mnemonic.filters import check_where
from orchestrator.options import OptionSpec, ask_fields
from orchestrator.service.openai_fields import (
    NEUTRAL_MESSAGE_VALUES,
    NEUTRAL_VALUES,
    neutral_fields,
)

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
    """Unknown fields refused; every string (nested ones too) must be valid Unicode."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="after")
    def _valid_unicode(self) -> Any:
        surrogate = find_lone_surrogate(self.model_dump())
        if surrogate:
            raise ValueError(f"{surrogate} is a lone surrogate, not valid Unicode text")
        return self


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("is blank (only whitespace): nothing to store")
    return value


class DocumentIn(_Strict):
    doc_id: str = Field(min_length=1, max_length=512, description="upsert key")
    text: str = Field(min_length=1, description="the document's text (not blank)")
    metadata: dict[str, Any] = Field(default_factory=dict)

    _blank_id = field_validator("doc_id")(_not_blank)
    _blank_text = field_validator("text")(_not_blank)


class AddDocumentsRequest(_Strict):
    documents: list[DocumentIn] = Field(min_length=1, max_length=1000)
    store: str | None = Field(default=None, description="store name (default: the first)")


def _annotation(spec: OptionSpec) -> Any:
    if spec.kind is dict:
        return dict[str, Any]
    if spec.kind is list and spec.choices is None:  # free strings; a lone one too (OpenAI)
        item = Annotated[str, Field(min_length=1)]
        return str | Annotated[list[item], Field(min_length=1, max_length=spec.bounds["max_items"])]
    if spec.kind is list:
        return list[Literal[spec.choices()]]  # type: ignore[misc]  # the ladder, when imported
    if spec.choices is not None:
        return Literal[tuple(spec.choices())]  # type: ignore[misc]  # e.g. the search modes
    return spec.kind


def _field(spec: OptionSpec, **extra: Any) -> tuple[Any, Any]:
    """A pydantic field for an `AskOptions` field: optional, same bounds and help."""
    if spec.kind is list and spec.choices is None:  # bounds are in the annotation
        return (_annotation(spec) | None, Field(default=None, description=spec.help, **extra))
    finite = {"allow_inf_nan": False} if spec.kind is float else {}
    bounds = {**spec.bounds, **({"min_length": 1} if spec.kind is list else {}), **finite, **extra}
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

    @field_validator("where")
    @classmethod
    def _one_predicate(cls, value: str | None) -> str | None:
        return None if value is None else check_where(value)


def _options_model(
    name: str, *, exclude: tuple[str, ...] = (), extra: dict[str, Any] | None = None
) -> type[BaseModel]:
    """A body holding `store`, every `AskOptions` field but `exclude` (all optional) and
    the `extra` fields."""
    return create_model(
        name,
        __base__=_Strict,
        __doc__="The orchestrator's options, all optional (the service's defaults apply).",
        store=(str | None, Field(default=None, description="store name (default: the first)")),
        **{key: _field(spec) for key, spec in _SPECS.items() if key not in exclude},
        **(extra or {}),
    )


class AskRequest(_options_model("AskOptionsBody")):
    question: str = Field(min_length=1, max_length=4000)


class TextPart(_Strict):
    type: Literal["text"]
    text: str


class ChatMessage(
    create_model("MessageBase", __base__=_Strict, **neutral_fields(NEUTRAL_MESSAGE_VALUES))
):
    role: Literal["system", "developer", "user", "assistant"]
    content: str | list[TextPart] | None = None
    name: str | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(part.text for part in self.content)
        return self.content or ""


class StreamOptions(_Strict):
    include_usage: bool = False


_CHAT_OPTIONS = _options_model(
    "ChatOptionsBody", exclude=("max_new_tokens",), extra=neutral_fields(NEUTRAL_VALUES)
)


class ChatCompletionRequest(_CHAT_OPTIONS):
    """OpenAI's chat-completions body (the fields this service honours) plus memory options.

    The last message is the question and must be the user's, with text; the system message
    and earlier turns are read within the budget (`orchestrator.conversation`). The answer
    length is OpenAI's `max_completion_tokens` (or `max_tokens`), not `max_new_tokens`;
    `temperature`, `top_p`, `seed` and `stop` are shared with `AskOptions`. OpenAI fields
    that this service does not honour are accepted at their neutral values only
    (`openai_fields.py`).
    """

    model: str | None = Field(default=None, max_length=200)
    messages: list[ChatMessage] = Field(min_length=1, max_length=200)
    max_tokens: int | None = _field(_SPECS["max_new_tokens"])[1]
    max_completion_tokens: int | None = _field(_SPECS["max_new_tokens"])[1]
    n: Literal[1] | None = 1
    stream: bool = False
    stream_options: StreamOptions | None = None
    user: str | None = Field(default=None, max_length=200)
