"""Hyper-embeddings: input vectors for hyperword ids, composed from their base tokens' rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

    from hyperword.tokenizer.tokenizer import HyperwordTokenizer

__all__ = ["embed_ids"]


def embed_ids(tokenizer: HyperwordTokenizer, ids: Sequence[int], embeddings: Any) -> torch.Tensor:
    """`inputs_embeds` for the base model: a base id's row, or the mean of a hyperword's rows.

    The mean is the untrained starting point; a learned composer can replace it later.

    Args:
        tokenizer: The hyperword tokenizer the ids come from.
        ids: Hyperword-token ids.
        embeddings: The base model's input-embedding layer, or the model itself
            (anything with `get_input_embeddings()`).

    Returns:
        A tensor of shape (1, len(ids), d_model), on the embedding's device and dtype.
    """
    import torch
    import torch.nn.functional as F

    if hasattr(embeddings, "get_input_embeddings"):
        embeddings = embeddings.get_input_embeddings()
    weight = embeddings.weight  # (vocab, d_model)
    bags = [tokenizer.expand([i]) for i in ids]
    flat = torch.tensor([i for bag in bags for i in bag], dtype=torch.long, device=weight.device)
    lengths = torch.tensor([len(bag) for bag in bags], dtype=torch.long, device=weight.device)
    offsets = torch.cumsum(lengths, 0) - lengths
    # Embedding layers that scale their output (Gemma: x sqrt(d)) do it in forward: call it.
    rows = embeddings(flat) if flat.numel() else weight[:0]  # (total, d_model)
    if not bags:
        return rows.new_zeros((1, 0, weight.shape[1]))
    out = F.embedding_bag(
        torch.arange(rows.shape[0], device=weight.device), rows, offsets, mode="mean"
    )  # (n, d_model)
    return out.unsqueeze(0)  # (1, n, d_model)
