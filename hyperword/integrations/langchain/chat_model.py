"""`HyperwordChatModel`: a LangChain chat model over an `Orchestrator` (RAG in one call)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.documents import Document
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, Field

from hyperword.integrations.common import PLANNED_BUDGET, PLANNED_SOURCE, context_from_sources

__all__ = ["HyperwordChatModel"]

ROLES = {"system": "system", "human": "user", "ai": "assistant"}  # LangChain type -> chat role


class HyperwordChatModel(BaseChatModel):
    """Answers the last human message from the orchestrator's memory, with its report.

    The conversation follows `orchestrator.conversation`: the last message is the question
    (a human message with text), the system message and earlier turns are read within the
    budget, and retrieval searches the question after the previous human message. With
    `documents=` (from a `HyperwordCompressor` over the same orchestrator) the model reads
    those planned sources at their levels instead of searching. The reply's
    `response_metadata["hyperword"]` is the answer's report (`AnswerReport.to_dict()`);
    `usage_metadata` counts prompt and answer tokens.

    Attributes:
        orchestrator: An `orchestrator.Orchestrator` (its store, model and levels).
        options: `AskOptions` fields for every call (`budget`, `k`, `max_new_tokens`, ...).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    orchestrator: Any
    options: dict[str, Any] = Field(default_factory=dict)

    @property
    def _llm_type(self) -> str:
        return "hyperword"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        model = getattr(self.orchestrator.model, "name_or_path", "")
        return {"model": str(model), "levels": list(self.orchestrator.levels), **self.options}

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        answer = self._start(messages, stop, kwargs).consume()
        message = AIMessage(content=answer.text, **_metadata(answer))
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        stream = self._start(messages, stop, kwargs)
        for piece in stream:
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager is not None:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
        yield ChatGenerationChunk(message=AIMessageChunk(content="", **_metadata(stream.answer)))

    def _start(self, messages: list[BaseMessage], stop: list[str] | None, kwargs: dict) -> Any:
        """The orchestrator's answer stream for `messages` (errors raise here)."""
        from orchestrator.conversation import Turn, split_messages

        documents = kwargs.pop("documents", None)
        turns = [Turn(_role(m), m.text) for m in messages]
        question, history = split_messages(turns)
        options = {**self.options, **kwargs, **({"stop": stop} if stop else {})}
        if documents is None:
            return self.orchestrator.stream(question, history=history, **options)
        context = _planned(question, documents)
        generation = {k: v for k, v in options.items() if k not in _planning()}
        return self.orchestrator.stream(question, history=history, context=context, **generation)


def _role(message: BaseMessage) -> str:
    from orchestrator.exceptions import OptionError

    if message.type not in ROLES:
        raise OptionError(f"a {message.type!r} message cannot be read; use system, human, ai")
    return ROLES[message.type]


def _planned(question: str, documents: Sequence[Document]) -> Any:
    from orchestrator.exceptions import OptionError

    sources = [d.metadata.get(PLANNED_SOURCE) for d in documents]
    if any(source is None for source in sources):
        raise OptionError(
            "documents= takes documents planned by a HyperwordCompressor over an Orchestrator"
        )
    budget = max((d.metadata.get(PLANNED_BUDGET, 0) for d in documents), default=0)
    return context_from_sources(question, sources, budget=budget)


def _planning() -> tuple[str, ...]:
    from orchestrator.options import planning_options

    return planning_options()


def _metadata(answer: Any) -> dict[str, Any]:
    report = answer.report
    return {
        "response_metadata": {"hyperword": report.to_dict(), "finish_reason": report.finish_reason},
        "usage_metadata": {
            "input_tokens": report.prompt_tokens,
            "output_tokens": report.new_tokens,
            "total_tokens": report.prompt_tokens + report.new_tokens,
        },
    }
