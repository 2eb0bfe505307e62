"""`HyperwordLLM`: a LlamaIndex LLM over Hyperword's base model (plain completion), and the
project's prompt template as a LlamaIndex `PromptTemplate`."""

from __future__ import annotations

import contextlib
from typing import Any

from llama_index.core import PromptTemplate
from llama_index.core.bridge.pydantic import ConfigDict
from llama_index.core.llms import CompletionResponse, CompletionResponseGen, CustomLLM, LLMMetadata
from llama_index.core.llms.callbacks import llm_completion_callback

__all__ = ["HyperwordLLM", "qa_template"]


def qa_template(name: str | None = None) -> PromptTemplate:
    """The toolkit's question-answering template (`hyperword.prompts`; default: the one the
    default model was measured best with) with LlamaIndex's `{context_str}`/`{query_str}`."""
    from hyperword.prompts import get_template, template_for_model

    template = get_template(name) if name else template_for_model(None)
    return PromptTemplate(template.render(question="{query_str}", context="{context_str}").text)


class HyperwordLLM(CustomLLM):
    """Completes a prompt with a causal LM (greedy; one line by default).

    Attributes:
        model: A loaded causal LM (`hyperword.models.load_base_model`).
        tokenizer: Its tokenizer.
        max_new_tokens: Completion length limit.
        stop_at_newline: End the completion at its first newline (answers are one line).
        lock: A lock held while generating (share the orchestrator's when sharing its model).
        context_window: Tokens LlamaIndex may fill (default: the model's positions).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model: Any
    tokenizer: Any
    max_new_tokens: int = 64
    stop_at_newline: bool = True
    lock: Any = None
    context_window: int | None = None

    @classmethod
    def from_orchestrator(cls, orchestrator: Any, **fields: Any) -> HyperwordLLM:
        """The orchestrator's reading model, its tokenizer and its lock."""
        return cls(
            model=orchestrator.model,
            tokenizer=orchestrator.base_tokenizer,
            lock=orchestrator.lock,
            **fields,
        )

    @classmethod
    def class_name(cls) -> str:
        return "HyperwordLLM"

    @property
    def metadata(self) -> LLMMetadata:
        config = self.model.config
        window = self.context_window or getattr(config, "max_position_embeddings", None) or 4096
        name = str(getattr(self.model, "name_or_path", "") or "hyperword")
        return LLMMetadata(context_window=window, num_output=self.max_new_tokens, model_name=name)

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        text = "".join(response.delta or "" for response in self._pieces(prompt))
        return CompletionResponse(text=text)

    @llm_completion_callback()
    def stream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseGen:
        return self._pieces(prompt)

    def _pieces(self, prompt: str) -> CompletionResponseGen:
        from hyperword.generation import answer_pieces, stream

        ids = self.tokenizer(prompt, return_tensors="pt").input_ids  # (1, seq), BOS first
        with self.lock or contextlib.nullcontext():
            tokens = stream(
                self.model,
                self.tokenizer,
                input_ids=ids,
                max_new_tokens=self.max_new_tokens,
                stop_at_newline=self.stop_at_newline,
            )
            text = ""
            for piece in answer_pieces(tokens, stop_at_newline=self.stop_at_newline):
                text += piece
                yield CompletionResponse(text=text, delta=piece)
