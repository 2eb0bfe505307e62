"""Per-token features of spans from the base model, and their pooling into windows.

A span's features are read after a BOS token (the model's hidden states are unusual without
one); the BOS position is dropped. Columns: the chosen hidden state first, then the input
embedding rows (a residual projector reads the last `d` columns as the window's mean input
embedding). Spans are read in one right-padded batch: a causal model's states at real
positions do not depend on the padding after them.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from hyperword.encoder.exceptions import EncoderError

__all__ = ["batch_features", "pool_windows", "token_features", "window_bounds", "window_weights"]


def batch_features(
    model, spans_ids: Sequence[Sequence[int]], *, kinds: Sequence[str], layer: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Features of several spans in one forward pass: `(batch, longest, f)` and a mask.

    Runs with gradients when the caller has them enabled (a trainable encoder adapter), so
    wrap it in `torch.no_grad()` for frozen features.

    Args:
        model: A causal LM with `get_input_embeddings()` (the plain base model for frozen
            features, or the base model with the encoder adapter active).
        spans_ids: Each span's base-token ids, without special tokens (none empty).
        kinds: `"hidden"` (the `layer`-th hidden state) and/or `"embedding"` (input rows).
        layer: Index into `hidden_states` (0 is the embedding output, -1 the last layer).

    Returns:
        `features (batch, longest, d * len(kinds))` in float32 (zeros past a span's end) and
        `mask (batch, longest)`, True at real tokens.
    """
    if not spans_ids or any(len(ids) == 0 for ids in spans_ids):
        raise EncoderError("cannot encode an empty span")
    bos = model.config.bos_token_id
    pad = model.config.pad_token_id if model.config.pad_token_id is not None else 0
    prefix = [bos] if bos is not None else []
    longest = max(len(ids) for ids in spans_ids) + len(prefix)
    device = model.get_input_embeddings().weight.device
    ids = torch.full((len(spans_ids), longest), pad, dtype=torch.long)
    attention = torch.zeros(len(spans_ids), longest, dtype=torch.long)
    for row, span in enumerate(spans_ids):
        full = prefix + list(span)
        ids[row, : len(full)] = torch.tensor(full)
        attention[row, : len(full)] = 1
    ids, attention = ids.to(device), attention.to(device)
    parts = []
    if "hidden" in kinds:
        out = model(
            input_ids=ids,
            attention_mask=attention,
            output_hidden_states=True,
            use_cache=False,
            logits_to_keep=1,
        )
        parts.append(out.hidden_states[layer])  # (batch, 1 + n, d)
    if "embedding" in kinds:
        parts.append(model.get_input_embeddings()(ids))  # (batch, 1 + n, d)
    start = len(prefix)
    features = torch.cat(parts, dim=-1)[:, start:].float()  # (batch, n, f)
    mask = attention[:, start:].bool()
    return features * mask.unsqueeze(-1), mask


@torch.no_grad()
def token_features(
    model, input_ids: Sequence[int], *, kinds: Sequence[str], layer: int
) -> torch.Tensor:
    """Frozen per-token features of one span: `(n_tokens, d * len(kinds))`.

    `model` must be the plain base model (adapter disabled); see `batch_features`.
    """
    features, _ = batch_features(model, [input_ids], kinds=kinds, layer=layer)
    return features[0]


def window_bounds(n_tokens: int, n_slots: int) -> list[tuple[int, int]]:
    """`n_slots` contiguous, near-equal windows over `n_tokens` positions, as (start, end).

    With fewer tokens than slots, windows repeat tokens rather than come out empty.
    """
    if n_tokens < 1 or n_slots < 1:
        raise EncoderError(f"cannot pool {n_tokens} tokens into {n_slots} slots")
    starts = [(g * n_tokens) // n_slots for g in range(n_slots)]
    ends = [max(((g + 1) * n_tokens) // n_slots, starts[g] + 1) for g in range(n_slots)]
    return list(zip(starts, ends, strict=True))


def window_weights(lengths: Sequence[int], slots: Sequence[int], longest: int) -> torch.Tensor:
    """Mean-pooling weights for a padded batch: `(batch, max(slots), longest)`.

    Row `(b, s)` averages span `b`'s tokens in its window `s`; slots past `slots[b]` are zero.
    `weights @ features` pools a `(batch, longest, f)` batch into `(batch, max(slots), f)`.
    """
    weights = torch.zeros(len(lengths), max(slots), longest)
    for b, (n, n_slots) in enumerate(zip(lengths, slots, strict=True)):
        for s, (start, end) in enumerate(window_bounds(n, n_slots)):
            weights[b, s, start:end] = 1.0 / (end - start)
    return weights


def pool_windows(features: torch.Tensor, n_slots: int) -> torch.Tensor:
    """Mean of `n_slots` contiguous, near-equal windows: `(n, f) -> (n_slots, f)`."""
    if features.shape[0] == 0:
        raise EncoderError(f"cannot pool 0 tokens into {n_slots} slots")
    bounds = window_bounds(features.shape[0], n_slots)
    return torch.stack([features[s:e].mean(dim=0) for s, e in bounds])
