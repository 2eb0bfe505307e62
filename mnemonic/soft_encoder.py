"""Chunk encoders for the soft levels' columns (`scene`, `concept`, ...), from an encoder.

    from hyperword.encoder import HyperwordEncoder
    encoder = HyperwordEncoder.from_pretrained()
    store = MnemonicStore(path, encoders=soft_chunk_encoders(encoder))

Each chunk gets `ceil(tokens / ratio)` soft tokens, stored as float16 `(n_slots, d_model)`.
The store records the encoder's id and version (which includes a digest of its weights), so
vectors from another encoder are refused rather than mixed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hyperword.levels import encoder_levels, soft_levels
from mnemonic.encoders import register_chunk_encoder
from mnemonic.exceptions import IncompatibleStoreError

__all__ = ["SoftTokenChunkEncoder", "load_soft_chunk_encoders", "soft_chunk_encoders"]


class SoftTokenChunkEncoder:
    """Fills one soft level's column (`scene`, `concept`, ...) at ingest.

    Chunk encoders of one encoder share it (`shared`): ingest reads each chunk once for all
    their levels (`encode_levels`), not once per level. One loaded from a folder
    (`load_soft_chunk_encoders`) pickles as that folder: a Ray worker loads the encoder once
    (on its GPU when it has one) instead of receiving the model.

    Args:
        encoder: A `HyperwordEncoder`, or any `SoftTokenEncoder` (`encode`, `id`, `version`;
            read once per level when it has no `encode_levels`).
        level: The soft level whose column this fills.
        batch_size: Chunks per forward pass of the base model.
        folder: The encoder folder it was loaded from (`DEFAULT`: the shipped one), if any.
    """

    def __init__(
        self, encoder: Any, *, level: str, batch_size: int = 16, folder: str | None = None
    ):
        self.encoder = self.shared = encoder
        self.level = level
        self.id = encoder.id
        self.version = encoder.version
        self.batch_size = batch_size
        self.folder = folder

    def __reduce__(self) -> Any:
        if self.folder is None:
            return super().__reduce__()
        return (_reloaded, (self.folder, self.level, self.batch_size, self.id, self.version))

    def encode(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Soft tokens `(n_slots, d_model)` float16 of each text at this level."""
        return self.encode_levels(texts, [self.level])[self.level]

    def encode_levels(
        self, texts: Sequence[str], levels: Sequence[str]
    ) -> dict[str, list[np.ndarray]]:
        """Soft tokens of each text at every level of `levels`, from one read of each text."""
        out: dict[str, list[np.ndarray]] = {level: [] for level in levels}
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start : start + self.batch_size])
            soft = _read(self.encoder, batch, list(levels))  # level -> [(slots, d)]
            for level in levels:
                out[level].extend(s.float().cpu().numpy().astype(np.float16) for s in soft[level])
        return out


def _read(encoder: Any, texts: list[str], levels: list[str]) -> dict[str, Any]:
    """One read of `texts` for all `levels` where the encoder has `encode_levels`; else a
    `SoftTokenEncoder`'s `encode` per text and level (one text a call: `encode` pads a batch
    to one slot count, and each chunk keeps its own)."""
    if hasattr(encoder, "encode_levels"):
        return encoder.encode_levels(texts, levels=levels)
    return {level: [encoder.encode([t], level=level)[0] for t in texts] for level in levels}


DEFAULT = "default"  # the folder name that loads the shipped encoder


def _load(encoder: Any | None, path: str | None) -> Any:
    if encoder is not None:
        return encoder
    return _load_folder(path or DEFAULT)


@functools.lru_cache(maxsize=4)
def _load_folder(folder: str) -> Any:
    """The encoder in `folder`, loaded once per process (every level's chunk encoder shares it)."""
    from hyperword.encoder import HyperwordEncoder

    return HyperwordEncoder.from_pretrained(None if folder == DEFAULT else folder)


def _reloaded(
    folder: str, level: str, batch_size: int, id_: str, version: str
) -> SoftTokenChunkEncoder:
    encoder = _load_folder(folder)
    if (encoder.id, encoder.version) != (id_, version):
        raise IncompatibleStoreError(
            f"encoder folder {folder} holds {encoder.id} {encoder.version} here, but "
            f"{id_} {version} where the ingest started; use the same folder everywhere"
        )
    return SoftTokenChunkEncoder(encoder, level=level, batch_size=batch_size, folder=folder)


def _factory(level: str) -> Callable[..., SoftTokenChunkEncoder]:
    def create(encoder: Any | None = None, *, path: str | None = None) -> SoftTokenChunkEncoder:
        """Soft tokens from `encoder`, or from the encoder folder `path` (default: shipped)."""
        folder = None if encoder is not None else str(path or DEFAULT)
        return SoftTokenChunkEncoder(_load(encoder, path), level=level, folder=folder)

    create.__name__ = f"{level.replace('-', '_')}_chunk_encoder"
    return create


for _level in soft_levels():  # one registered chunk encoder per soft level, named after it
    register_chunk_encoder(_level.name)(_factory(_level.name))


def soft_chunk_encoders(encoder: Any) -> list[SoftTokenChunkEncoder]:
    """One chunk encoder per soft level the encoder serves."""
    return [SoftTokenChunkEncoder(encoder, level=level) for level in encoder_levels(encoder)]


def load_soft_chunk_encoders(folder: str | Path | None = None) -> list[SoftTokenChunkEncoder]:
    """One chunk encoder per soft level of the encoder in `folder` (None: the shipped one).

    They pickle as the folder, so Ray workers load the encoder themselves.
    """
    name = str(folder or DEFAULT)
    encoder = _load_folder(name)
    return [
        SoftTokenChunkEncoder(encoder, level=level, folder=name)
        for level in encoder_levels(encoder)
    ]
