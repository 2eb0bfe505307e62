"""Chunk encoders for the soft levels' columns (`scene`, `concept`, ...), from an encoder.

    from hyperword.encoder import HyperwordEncoder
    encoder = HyperwordEncoder.from_pretrained()
    store = MnemonicStore(path, encoders=soft_chunk_encoders(encoder))

Each chunk gets `ceil(tokens / ratio)` soft tokens, stored as float16 `(n_slots, d_model)`.
The store records the encoder's id and version (which includes a digest of its weights), so
vectors from another encoder are refused rather than mixed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from hyperword.levels import encoder_levels, soft_levels
from mnemonic.encoders import register_chunk_encoder

__all__ = ["SoftTokenChunkEncoder", "soft_chunk_encoders"]


class SoftTokenChunkEncoder:
    """Fills one soft level's column (`scene`, `concept`, ...) at ingest."""

    def __init__(self, encoder: Any, *, level: str):
        self.encoder = encoder
        self.level = level
        self.id = encoder.id
        self.version = encoder.version

    def encode(self, texts: Sequence[str]) -> list[np.ndarray]:
        out = []
        for text in texts:
            soft = self.encoder.encode([text], level=self.level)[0]  # (n_slots, d_model)
            out.append(soft.float().cpu().numpy().astype(np.float16))
        return out


def _load(encoder: Any | None, path: str | None) -> Any:
    if encoder is not None:
        return encoder
    from hyperword.encoder import HyperwordEncoder

    return HyperwordEncoder.from_pretrained(path)


def _factory(level: str) -> Callable[..., SoftTokenChunkEncoder]:
    def create(encoder: Any | None = None, *, path: str | None = None) -> SoftTokenChunkEncoder:
        """Soft tokens from `encoder`, or from the encoder folder `path` (default: shipped)."""
        return SoftTokenChunkEncoder(_load(encoder, path), level=level)

    create.__name__ = f"{level.replace('-', '_')}_chunk_encoder"
    return create


for _level in soft_levels():  # one registered chunk encoder per soft level, named after it
    register_chunk_encoder(_level.name)(_factory(_level.name))


def soft_chunk_encoders(encoder: Any) -> list[SoftTokenChunkEncoder]:
    """One chunk encoder per soft level the encoder serves."""
    return [SoftTokenChunkEncoder(encoder, level=level) for level in encoder_levels(encoder)]
