"""Frozen per-token features of spans already read, kept for the next read of the same span.

An encoder without a trainable encoder adapter reads every span with the frozen base model,
so a span's features never change: training reads each span once, and a benchmark that asks
the same chunks at several budgets or in several variants encodes them once. The cache keys
spans by their token ids, drops the least recently used one first, and computes a span it
does not hold in a forward pass of its own, so a span's features never depend on which other
spans were read with it (a resumed training run matches an uninterrupted one; a benchmark
cell gives the same soft tokens whether it runs first or last).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import torch

from hyperword.rows import token_rows

__all__ = ["SpanFeatureCache"]


class SpanFeatureCache:
    """Per-token features of spans, from `encoder.span_features`, kept up to `max_spans`.

    Args:
        encoder: A `HyperwordEncoder` whose features are frozen (`frozen_features`); with a
            trainable encoder adapter every call computes afresh, with gradients.
        max_spans: Spans kept (0: none kept; each span is still read alone).

    Only the hidden-state columns are kept, in float32 (Gemma's hidden states exceed
    float16's range; about `tokens * d_model * 4` bytes a span); the embedding columns, a
    table lookup, are rebuilt on the way out.
    """

    def __init__(self, encoder: Any, max_spans: int):
        if max_spans < 0:
            raise ValueError(f"max_spans must be >= 0, got {max_spans}")
        self.encoder = encoder
        self.max_spans = max_spans
        self._hidden: OrderedDict[tuple[int, ...], torch.Tensor] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._hidden)

    def features(self, spans_ids: Sequence[Sequence[int]]):
        """Per-token features `(batch, longest, f)` and a mask `(batch, longest)`, True at
        real tokens (the shapes of `HyperwordEncoder.spans_features`)."""
        if not self.encoder.frozen_features:
            return self.encoder.spans_features(spans_ids)
        rows = [self._span(tuple(ids)) for ids in spans_ids]
        longest = max(len(ids) for ids in spans_ids)
        batch = rows[0].new_zeros(len(rows), longest, rows[0].shape[-1])
        mask = torch.zeros(len(rows), longest, dtype=torch.bool, device=rows[0].device)
        for i, row in enumerate(rows):
            batch[i, : row.shape[0]] = row
            mask[i, : row.shape[0]] = True
        return batch, mask

    def _span(self, ids: tuple[int, ...]) -> torch.Tensor:
        """One span's frozen features `(n, f)`."""
        if ids in self._hidden:
            self._hidden.move_to_end(ids)
            self.hits += 1
            hidden = self._hidden[ids]
        else:
            self.misses += 1
            hidden = self.encoder.span_features(ids)[:, : self._hidden_dim]
            if self.max_spans:
                self._hidden[ids] = hidden
                while len(self._hidden) > self.max_spans:
                    self._hidden.popitem(last=False)
        if "embedding" not in self.encoder.config.features:
            return hidden
        with torch.no_grad():
            rows = token_rows(self.encoder.model, ids)
        return torch.cat([hidden, rows.float()], dim=-1)

    @property
    def _hidden_dim(self) -> int:
        config = self.encoder.config
        return config.feature_dim - (config.d_model if "embedding" in config.features else 0)
