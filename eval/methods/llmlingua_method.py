"""LLMLingua (the `llmlingua` package) as a peer baseline, scored by the target model itself.

Three adaptations make llmlingua 0.2.2 run offline on transformers 5 (see docs/eval.md):
- its constructor downloads a tiktoken encoding and loads its own model; we build the
  compressor around the already-loaded target model instead, and count tokens with the
  target model's tokenizer;
- it never compresses a context shorter than `iterative_size` (default 200 tokens), and most
  SQuAD paragraphs are shorter, so we pass `iterative_size=64`;
- it passes and slices the KV cache as `[(k, v), ...]`; `_LegacyCacheModel` converts between
  that and transformers' cache objects.
Its output can overshoot the target; we cut it to the budget and record the overshoot.

Its question-conditioned document ranking (one forward pass per document, most of its cost)
does not depend on the budget, so rankings are kept in a small in-process cache and a
benchmark that asks the same question at several budgets ranks its documents once.
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections import OrderedDict
from typing import Any

import torch

from eval.exceptions import MethodUnavailableError
from eval.methods.base import MethodContext, TextContextMethod, register_method
from eval.tasks.base import Example
from hyperword.generation import cache_kwargs, output_cache

__all__ = ["LLMLinguaMethod"]


class _TargetTokenCounter:
    """Stands in for llmlingua's tiktoken encoding: counts with the target tokenizer."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer

    def encode(self, text: str) -> list[int]:
        return self.tokenizer(text, add_special_tokens=False).input_ids


class _LegacyCacheModel:
    """Wraps a causal LM so that `past_key_values` goes in and out as `[(k, v), ...]`."""

    def __init__(self, model):
        self.model = model

    def __call__(self, input_ids, attention_mask=None, past_key_values=None, use_cache=True):
        from transformers import DynamicCache

        if past_key_values is not None:
            past_key_values = DynamicCache(ddp_cache_data=[(k, v) for k, v in past_key_values])
        with torch.inference_mode():
            out = self.model(
                input_ids=input_ids,
                attention_mask=attention_mask,
                use_cache=use_cache,
                **cache_kwargs(self.model, past_key_values),
            )
        out.past_key_values = [(layer.keys, layer.values) for layer in output_cache(out).layers]
        return out


def _fast_condition_ppl(compressor, text: str, condition_pos_id: int) -> torch.Tensor | None:
    """The loss llmlingua's `get_ppl(..., condition_mode="after")` returns, computed cheaply.

    llmlingua keeps only `loss[condition_pos_id:]` but computes logits for every position;
    with a 262k vocabulary those logits cost more than the transformer layers. Here the model
    returns logits only for the positions that are kept, so the result is the same mean loss.
    Returns `None` where this shortcut does not apply (the caller then runs llmlingua's own).
    """
    encoded = compressor.tokenizer(text, return_tensors="pt")
    end = min(encoded.input_ids.shape[1], compressor.max_position_embeddings)
    ids = encoded.input_ids[:, :end].to(compressor.device)
    mask = encoded.attention_mask[:, :end].to(compressor.device)
    keep = end - condition_pos_id  # logits for positions condition_pos_id .. end - 1
    if keep < 2 or condition_pos_id < 0 or not bool(mask.all()):
        return None
    with torch.inference_mode():
        logits = compressor.model.model(
            input_ids=ids, attention_mask=mask, use_cache=False, logits_to_keep=keep
        ).logits[:, :-1, :]  # (1, keep - 1, vocab)
    labels = ids[:, condition_pos_id + 1 : end]  # (1, keep - 1)
    return torch.nn.functional.cross_entropy(
        logits.reshape(-1, logits.shape[-1]).float(), labels.reshape(-1)
    )


_RANK_CACHE: OrderedDict[str, Any] = OrderedDict()
RANK_CACHE_SIZE = 512  # rankings are short lists; a benchmark cell holds up to a few hundred


def _rank_key(model: Any, *parts: Any) -> str:
    """Identifies a ranking: the model object, the method's settings, question and documents."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    return f"{id(model)}:{digest}"


def _compressor_class():
    from llmlingua import PromptCompressor

    class TargetModelCompressor(PromptCompressor):
        """llmlingua's compressor with the question-conditioned ranking computed cheaply.

        The ranking loss keeps only the logits it reads (`_fast_condition_ppl`), and a
        ranking is cached (`_RANK_CACHE`): the same question over the same documents is
        ranked once whatever the budget.
        """

        def get_rank_results(
            self, context, question, rank_method, condition_in_question, context_tokens_length
        ):
            args = (context, question, rank_method, condition_in_question, context_tokens_length)
            key = _rank_key(
                self.model.model,
                rank_method,
                condition_in_question,
                question,
                tuple(context),
                tuple(context_tokens_length),
            )
            return _cached_ranking(
                key, lambda: super(TargetModelCompressor, self).get_rank_results(*args)
            )

        def get_ppl(
            self,
            text,
            granularity="sentence",
            input_ids=None,
            attention_mask=None,
            past_key_values=None,
            return_kv=False,
            end=None,
            condition_mode="none",
            condition_pos_id=0,
        ):
            args = (text, granularity, input_ids, attention_mask, past_key_values, return_kv)
            args += (end, condition_mode, condition_pos_id)
            loss = _fast_ppl(self, *args)
            return loss if loss is not None else super().get_ppl(*args)

    return TargetModelCompressor


def _cached_ranking(key: str, rank: Any) -> list:
    """`rank()`, cached under `key` in `_RANK_CACHE` (least recently used out first)."""
    if key in _RANK_CACHE:
        _RANK_CACHE.move_to_end(key)
        return list(_RANK_CACHE[key])
    ranking = rank()
    _RANK_CACHE[key] = list(ranking)
    while len(_RANK_CACHE) > RANK_CACHE_SIZE:
        _RANK_CACHE.popitem(last=False)
    return list(ranking)


def _fast_ppl(
    compressor: Any,
    text: Any,
    granularity: str,
    input_ids: Any,
    attention_mask: Any,
    past_key_values: Any,
    return_kv: bool,
    end: Any,
    condition_mode: str,
    condition_pos_id: int,
) -> Any:
    """The question-conditioned sentence loss computed cheaply, or None when llmlingua's own
    `get_ppl` must run (any other call shape)."""
    simple = (
        condition_mode == "after"
        and granularity == "sentence"
        and input_ids is None
        and past_key_values is None
        and end is None
        and not return_kv
    )
    return _fast_condition_ppl(compressor, text, condition_pos_id) if simple else None


@register_method("llmlingua")
class LLMLinguaMethod(TextContextMethod):
    """LongLLMLingua-style, question-aware compression of the documents down to the budget."""

    uses_budget = True
    iterative_size = 64
    rank_method = "longllmlingua"

    def __init__(self, context: MethodContext):
        super().__init__(context)
        if importlib.util.find_spec("llmlingua") is None:
            raise MethodUnavailableError(
                "method 'llmlingua' needs the llmlingua package: pip install 'hyperword[llmlingua]'"
            )
        self.compressor = self._build_compressor()

    def _build_compressor(self):
        tokenizer, model = self.ctx.tokenizer, self.ctx.model
        compressor_class = _compressor_class()
        compressor = compressor_class.__new__(compressor_class)  # skip its model loading
        compressor.model_name = str(getattr(model, "name_or_path", "target"))
        compressor.use_llmlingua2 = False
        compressor.retrieval_model = None
        compressor.retrieval_model_name = None
        compressor.open_api_config = {}
        compressor.cache_bos_num = 10
        compressor.prefix_bos_num = 100
        compressor.oai_tokenizer = _TargetTokenCounter(tokenizer)
        compressor.tokenizer = tokenizer
        compressor.model = _LegacyCacheModel(model)
        compressor.device = str(model.device)
        compressor.context_idxs = []
        compressor.max_position_embeddings = model.config.max_position_embeddings
        return compressor

    def config(self) -> dict[str, Any]:
        return {
            "budget": self.ctx.budget,
            "iterative_size": self.iterative_size,
            "rank_method": self.rank_method,
            "condition_in_question": "after",
            "condition_compare": False,
        }

    def build_context(self, example: Example) -> tuple[str | None, dict[str, Any]]:
        documents = [text for _, text in example.documents]
        if sum(self.ctx.count_tokens(text) for text in documents) <= self.ctx.budget:
            return example.context, {"compressed": False}
        result = self.compressor.compress_prompt(
            documents,
            question=example.question,
            target_token=self.ctx.budget,
            iterative_size=self.iterative_size,
            rank_method=self.rank_method,
            condition_in_question="after",
            condition_compare=False,
            reorder_context="sort",
            dynamic_context_compression_ratio=0.3,
            concate_question=False,
            context_budget="+100",
        )
        # llmlingua treats the target as approximate (its coarse filter adds `context_budget`
        # tokens); cut what overshoots so every method is compared at the same budget.
        text, tokens = self.ctx.cut_to_budget(result["compressed_prompt"])
        return text, {"compressed": True, "llmlingua_tokens": tokens}
