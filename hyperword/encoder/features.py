"""Frozen features of a span and their pooling into one vector per window of base tokens."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from hyperword.encoder.exceptions import EncoderError

__all__ = ["pool_windows", "token_features"]


@torch.no_grad()
def token_features(
    model, input_ids: Sequence[int], *, kinds: Sequence[str], layer: int
) -> torch.Tensor:
    """Per-token features of one span from the frozen base model: `(n_tokens, d * len(kinds))`.

    The span is read after a BOS token (the model's hidden states are unusual without one);
    the BOS position is dropped. `model` must be the plain base model (adapter disabled).
    Columns: the hidden state first, then the embedding rows (a residual projector reads the
    last `d` columns as the window's mean input embedding).

    Args:
        model: A causal LM with `get_input_embeddings()`.
        input_ids: The span's base-token ids, without special tokens.
        kinds: `"hidden"` (the `layer`-th hidden state) and/or `"embedding"` (input rows).
        layer: Index into `hidden_states` (0 is the embedding output).
    """
    if not input_ids:
        raise EncoderError("cannot encode an empty span")
    bos = model.config.bos_token_id
    ids = ([bos] if bos is not None else []) + list(input_ids)
    device = model.get_input_embeddings().weight.device
    ids_tensor = torch.tensor([ids], device=device)  # (1, 1 + n)
    parts = []
    if "hidden" in kinds:
        out = model(
            input_ids=ids_tensor, output_hidden_states=True, use_cache=False, logits_to_keep=1
        )
        parts.append(out.hidden_states[layer][0])  # (1 + n, d)
    if "embedding" in kinds:
        parts.append(model.get_input_embeddings()(ids_tensor)[0])  # (1 + n, d)
    start = 1 if bos is not None else 0
    return torch.cat(parts, dim=-1)[start:].float()  # (n, d * len(kinds))


def pool_windows(features: torch.Tensor, n_slots: int) -> torch.Tensor:
    """Mean of `n_slots` contiguous, near-equal windows: `(n, f) -> (n_slots, f)`.

    With fewer tokens than slots, windows repeat tokens rather than come out empty.
    """
    n = features.shape[0]
    if n == 0 or n_slots < 1:
        raise EncoderError(f"cannot pool {n} tokens into {n_slots} slots")
    starts = [(g * n) // n_slots for g in range(n_slots)]
    ends = [max(((g + 1) * n) // n_slots, starts[g] + 1) for g in range(n_slots)]
    return torch.stack([features[s:e].mean(dim=0) for s, e in zip(starts, ends, strict=True)])
