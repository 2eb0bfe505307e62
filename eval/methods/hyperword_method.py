"""`hyperword`: the whole context fed as hyperword embeddings; `full-hyperword-lora` its control.

- `hyperword`: the prompt's prefix and suffix stay plain tokens; the context is encoded with a
  `HyperwordTokenizer` and each hyperword becomes one input vector (the mean of its base
  tokens' rows, or a trained composer's). Context tokens = hyperword positions.
- `full-hyperword-lora`: the whole context verbatim through the same adapter, so the gain of
  the adapter is not confused with the cost of compression.

Options (`--method-option hyperword.KEY=VALUE`):

- `tokenizer`: a tokenizer folder or a shipped alias (default: the one shipped for the model);
- `adapter`: a folder written by `adapters.hyperword_lora.save_hyperword_adapter` (LoRA and
  maybe a composer), or `default` (the one shipped for Gemma 3 270M), applied to a private
  copy of the harness's model (merged); none by default;
- `composer`: a `HyperwordComposer` folder (overrides the adapter's).
"""

from __future__ import annotations

import copy
from typing import Any

from eval.exceptions import EvalError, MethodUnavailableError
from eval.methods.base import Method, MethodContext, MethodResult, register_method
from eval.tasks.base import Example
from hyperword.generation import Generation, answer_text, generate

__all__ = ["FullHyperwordLora", "HyperwordContext", "render_hyperword_prompt"]

_ADAPTED: dict[tuple[int, str], tuple[Any, Any]] = {}


def _adapted_model(model: Any, adapter: str, tokenizer: Any) -> tuple[Any, Any]:
    """A merged copy of `model` with the adapter, and its composer (cached per model/path)."""
    from adapters.hyperword_lora import load_hyperword_adapter, resolve_adapter_folder

    key = (id(model), str(resolve_adapter_folder(adapter).resolve()))
    if key not in _ADAPTED:
        _ADAPTED[key] = load_hyperword_adapter(
            copy.deepcopy(model), adapter, tokenizer=tokenizer, merge=True
        )
    return _ADAPTED[key]


def render_hyperword_prompt(
    template: Any, tokenizer: Any, question: str, context: str, base_tokenizer: Any
) -> tuple[list[int], list[int], list[int]]:
    """`(prefix_ids, context_hyperword_ids, suffix_ids)` of a rendered prompt.

    The prefix's trailing whitespace moves to the front of the context (`"Context: "` +
    `"The ..."` -> `"Context:"` + `" The ..."`), as the plain prompt would tokenize it. The
    prefix gets the base tokenizer's special tokens (BOS), like a plain prompt.
    """
    parts = template.render(question=question, context=context)
    prefix = parts.prefix.rstrip()
    context_text = parts.prefix[len(prefix) :] + parts.context
    prefix_ids = base_tokenizer(prefix).input_ids
    suffix_ids = base_tokenizer(parts.suffix, add_special_tokens=False).input_ids
    return prefix_ids, tokenizer.encode(context_text), suffix_ids


class _HyperwordBase(Method):
    def __init__(self, context: MethodContext):
        super().__init__(context)
        from hyperword.tokenizer import CorruptTokenizerError, HyperwordTokenizer

        options = dict(context.options)
        unknown = sorted(set(options) - {"tokenizer", "adapter", "composer"})
        if unknown:
            raise EvalError(f"unknown {self.name} options: {', '.join(unknown)}")
        name = options.get("tokenizer") or str(getattr(context.model, "name_or_path", ""))
        try:
            self.tokenizer = HyperwordTokenizer.from_pretrained(
                name, base_tokenizer=context.tokenizer
            )
        except CorruptTokenizerError as error:
            if options.get("tokenizer"):
                raise
            raise MethodUnavailableError(
                f"no hyperword tokenizer shipped for model '{name}'; pass "
                f"--method-option {self.name}.tokenizer=DIR"
            ) from error
        self.tokenizer_name = name
        self.adapter = options.get("adapter")
        self.model, self.composer = context.model, None
        if self.adapter:
            self.model, self.composer = _adapted_model(context.model, self.adapter, self.tokenizer)
        if options.get("composer"):
            from hyperword.tokenizer.composer import HyperwordComposer

            self.composer = HyperwordComposer.from_pretrained(options["composer"])
            self.composer.to(self.model.device)

    def config(self) -> dict[str, Any]:
        return {
            "tokenizer": self.tokenizer_name,
            "tokenizer_fingerprint": self.tokenizer.fingerprint[:16],
            "hyperwords": self.tokenizer.num_hyperwords,
            "adapter": self.adapter or "none",
            "composer": "learned" if self.composer is not None else "mean",
        }


@register_method("hyperword")
class HyperwordContext(_HyperwordBase):
    """The context as hyperword embeddings; prefix and suffix as plain tokens."""

    def run(self, example: Example) -> MethodResult:
        import torch

        prefix, context, suffix = render_hyperword_prompt(
            self.ctx.template, self.tokenizer, example.question, example.context, self.ctx.tokenizer
        )
        with torch.no_grad():
            embeds = self.tokenizer.embed(
                prefix + context + suffix, self.model, composer=self.composer
            )  # (1, n, d_model)
        text, new_tokens, prefill, total = generate(
            self.model,
            self.ctx.tokenizer,
            inputs_embeds=embeds,
            max_new_tokens=self.ctx.max_new_tokens,
        )
        base_tokens = len(self.tokenizer.expand(context))
        generation = Generation(
            text=answer_text(text),
            prompt_tokens=int(embeds.shape[1]),
            context_tokens=len(context),
            new_tokens=new_tokens,
            prefill_seconds=prefill,
            total_seconds=total,
            template=self.ctx.template.name,
        )
        details = {
            "base_context_tokens": base_tokens,
            "hyperword_ids": sum(i >= self.tokenizer.base_vocab_size for i in context),
        }
        return MethodResult(generation=generation, details=details)


@register_method("full-hyperword-lora")
class FullHyperwordLora(_HyperwordBase):
    """The whole context verbatim, read by the model with the hyperword adapter applied."""

    def __init__(self, context: MethodContext):
        super().__init__(context)
        if not self.adapter:
            raise EvalError(
                f"{self.name} needs an adapter: --method-option {self.name}.adapter=DIR"
            )

    def run(self, example: Example) -> MethodResult:
        from hyperword.generation import answer_question

        generation = answer_question(
            self.model,
            self.ctx.tokenizer,
            example.question,
            example.context,
            template=self.ctx.template,
            max_new_tokens=self.ctx.max_new_tokens,
        )
        return MethodResult(generation=generation)
