"""Embedding rows: text or token ids -> the model's input-embedding rows, in one place.

Rows come from the embedding layer's forward, so any scaling it applies (Gemma multiplies
by sqrt(d_model)) is included, as when the model embeds ids itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

__all__ = ["text_rows", "token_rows"]


def token_rows(model: Any, ids: Sequence[int]) -> torch.Tensor:
    """Input-embedding rows of base-token ids: `(len(ids), d_model)`."""
    layer = model.get_input_embeddings()
    return layer(torch.tensor(list(ids), dtype=torch.long, device=layer.weight.device))


def text_rows(model: Any, tokenizer: Any, text: str, *, bos: bool = False) -> torch.Tensor:
    """Input-embedding rows of `text` (no special tokens; a BOS first with `bos`): `(n, d)`."""
    ids = tokenizer(text, add_special_tokens=False).input_ids
    if bos and tokenizer.bos_token_id is not None:
        ids = [tokenizer.bos_token_id, *ids]
    return token_rows(model, ids)
