"""Hyper-embeddings: input vectors for hyperword ids, composed from their base tokens' rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

    from hyperword.tokenizer.tokenizer import HyperwordTokenizer

__all__ = ["embed_ids"]


def embed_ids(
    tokenizer: HyperwordTokenizer,
    ids: Sequence[int],
    embeddings: Any,
    *,
    composer: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
) -> torch.Tensor:
    """`inputs_embeds` for the base model: a base id's row, or a hyperword's composed rows.

    Without a composer a hyperword gets the mean of its constituents' rows (the untrained
    start). Ids may mix base and hyperword ids, so a whole prompt (plain prefix, hyperword
    context, plain suffix) embeds in one call. Differentiable in the composer's parameters.

    Args:
        tokenizer: The hyperword tokenizer the ids come from.
        ids: Hyperword-token ids (base ids included).
        embeddings: The base model's input-embedding layer, or the model itself
            (anything with `get_input_embeddings()`).
        composer: Optional `composer(rows, lengths) -> (n, d_model)` over zero-padded
            constituent rows `(n, max_len, d_model)`, e.g. a `HyperwordComposer`.

    Returns:
        A tensor of shape (1, len(ids), d_model), on the embedding's device and dtype.
    """
    import torch
    import torch.nn.functional as F

    if hasattr(embeddings, "get_input_embeddings"):
        embeddings = embeddings.get_input_embeddings()
    weight = embeddings.weight  # (vocab, d_model)
    device = weight.device
    if not ids:
        return weight.new_zeros((1, 0, weight.shape[1]))
    bags = [tokenizer.expand([i]) for i in ids]
    flat = torch.tensor([i for bag in bags for i in bag], dtype=torch.long, device=device)
    lengths = torch.tensor([len(bag) for bag in bags], dtype=torch.long, device=device)
    offsets = torch.cumsum(lengths, 0) - lengths
    # Embedding layers that scale their output (Gemma: x sqrt(d)) do it in forward: call it.
    rows = embeddings(flat)  # (total, d_model)
    out = F.embedding_bag(
        torch.arange(rows.shape[0], device=device), rows, offsets, mode="mean"
    )  # (n, d_model)
    if composer is not None:
        hyper = [k for k, bag in enumerate(bags) if len(bag) > 1]
        if hyper:
            width = max(len(bags[k]) for k in hyper)
            padded = torch.zeros((len(hyper), width), dtype=torch.long, device=device)
            for row, k in enumerate(hyper):
                padded[row, : len(bags[k])] = torch.tensor(bags[k], device=device)
            mask = torch.arange(width, device=device)[None, :] < lengths[hyper][:, None]
            parts = embeddings(padded) * mask.unsqueeze(-1)  # (n_hyper, width, d_model)
            composed = composer(parts, lengths[hyper])  # (n_hyper, d_model)
            positions = torch.tensor(hyper, device=device)
            out = out.index_put((positions,), composed.to(out.dtype))
    return out.unsqueeze(0)  # (1, n, d_model)
