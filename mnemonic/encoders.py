"""Hook for the encoders of the levels the store keeps a column for (`stored_levels()`).

A `ChunkEncoder` turns chunk texts into one level's column values at ingest time:

- `hyperword`: one `list[int]` of hyperword ids per text;
- a soft level (`scene`, `concept`, ...): one float array `(n_slots, d_model)` per text,
  stored as float16.

Register a factory with `@register_chunk_encoder("name")`, build it with
`create_chunk_encoder("name", **options)` and pass instances to `MnemonicStore(encoders=...)`.
Nothing is registered by default.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

from hyperword.levels import stored_levels
from hyperword.registry import Registry
from mnemonic.exceptions import ConfigError

__all__ = [
    "CHUNK_ENCODERS",
    "ChunkEncoder",
    "chunk_encoders",
    "create_chunk_encoder",
    "register_chunk_encoder",
]


@runtime_checkable
class ChunkEncoder(Protocol):
    """Fills one level's column for a batch of chunk texts."""

    level: str
    id: str
    version: str

    def encode(self, texts: Sequence[str]) -> Sequence[Any]:
        """One value per text (see the module docstring for each level's type)."""
        ...


CHUNK_ENCODERS: Registry[Callable[..., ChunkEncoder]] = Registry("chunk encoder")


def register_chunk_encoder(
    name: str,
) -> Callable[[Callable[..., ChunkEncoder]], Callable[..., ChunkEncoder]]:
    """Register a chunk-encoder factory (a class or function) under `name`."""
    return CHUNK_ENCODERS.register(name)


def create_chunk_encoder(name: str, **options: Any) -> ChunkEncoder:
    """Build a registered chunk encoder (`UnknownNameError` for an unknown name)."""
    return validate_encoder(CHUNK_ENCODERS[name](**options))


def chunk_encoders() -> list[str]:
    """Names of the registered chunk encoders."""
    return CHUNK_ENCODERS.names()


def validate_encoder(encoder: Any) -> ChunkEncoder:
    """Check an encoder's shape: a known level, string id and version, an `encode` method."""
    if not isinstance(encoder, ChunkEncoder):
        raise ConfigError(f"{encoder!r} is not a ChunkEncoder (level, id, version, encode)")
    levels = tuple(level.name for level in stored_levels())
    if encoder.level not in levels:
        raise ConfigError(f"encoder level '{encoder.level}' is not one of {levels}")
    return encoder
