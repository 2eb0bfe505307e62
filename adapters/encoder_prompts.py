"""Prompt rows for encoder training samples, with the frozen features of spans cached.

For an encoder whose features are frozen (no trainable encoder adapter), a span's per-token
features never change during training: they are computed once and kept
(`hyperword.encoder.feature_cache`), so a step costs the projector and the decoder only. With
a trainable encoder adapter they are computed afresh, with gradients, at every step.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from adapters.encoder_batches import AUTOENCODE_PROMPT, Sample
from hyperword.encoder import HyperwordEncoder, qa_embeds, slots_for, text_rows
from hyperword.encoder.feature_cache import SpanFeatureCache
from hyperword.prompts import get_template
from hyperword.rows import token_rows

__all__ = ["PromptBuilder"]


class PromptBuilder:
    """Prompt rows `(seq_i, d_model)` for samples; soft contexts in one batch per level.

    Args:
        encoder: The encoder being trained or evaluated.
        template_name: The prompt template QA samples are asked in.
        cache_size: Spans whose frozen features are kept (0: none).
    """

    def __init__(self, encoder: HyperwordEncoder, template_name: str, *, cache_size: int = 8000):
        self.encoder = encoder
        self.template = get_template(template_name)
        self.cache_size = cache_size
        self._cache = SpanFeatureCache(encoder, cache_size)

    def features(self, spans_ids: Sequence[tuple[int, ...]]):
        """Per-token features of the spans: `(batch, longest, f)` and a mask `(batch, longest)`."""
        return self._cache.features(spans_ids)

    def context_rows(self, samples: Sequence[Sample]) -> list[torch.Tensor]:
        """Each sample's context: plain embedding rows, or its soft tokens between markers."""
        out: list[torch.Tensor | None] = [None] * len(samples)
        by_level: dict[str, list[int]] = {}
        for i, sample in enumerate(samples):
            if sample.level == "text":
                out[i] = token_rows(self.encoder.model, sample.context_ids)
            else:
                by_level.setdefault(sample.level, []).append(i)
        for level, indices in by_level.items():
            spans = [samples[i].context_ids for i in indices]
            features, mask = self.features(spans)
            slots = [slots_for(len(ids), level) for ids in spans]
            soft = self.encoder.soft_tokens(features, mask, level=level, slots=slots)
            for i, tokens in zip(indices, soft, strict=True):
                out[i] = self.encoder.wrap(tokens, level=level)
        return out

    def prompt_rows(self, samples: Sequence[Sample]) -> list[torch.Tensor]:
        """Each sample's whole prompt: the QA template around its context, or BOS + context
        (+ the repeat instruction for autoencoding)."""
        model, tokenizer = self.encoder.model, self.encoder.tokenizer
        prompts = []
        for sample, context in zip(samples, self.context_rows(samples), strict=True):
            if sample.objective == "qa":
                prompts.append(qa_embeds(model, tokenizer, self.template, sample.question, context))
                continue
            parts = [text_rows(model, tokenizer, "", bos=True), context]
            if sample.objective == "autoencode":
                parts.append(text_rows(model, tokenizer, AUTOENCODE_PROMPT))
            prompts.append(torch.cat(parts))
        return prompts
