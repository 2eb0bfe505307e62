"""Hook for the encoders of later levels (hyperword ids, scene and concept soft tokens).

A `ChunkEncoder` turns chunk texts into one level's column values at ingest time:

- `level == "hyperword"`: one `list[int]` of hyperword ids per text;
- `level == "scene"` or `"concept"`: one float array `(n_slots, d_model)` per text,
  stored as float16.

Register a factory with `@register_chunk_encoder("name")`, build it with
`create_chunk_encoder("name", **options)` and pass instances to `MnemonicStore(encoders=...)`.
Nothing is registered by default.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

from hyperword.registry import Registry
from mnemonic.exceptions import ConfigError

__all__ = [
    "CHUNK_ENCODERS",
    "ENCODER_LEVELS",
    "ChunkEncoder",
    "chunk_encoders",
    "create_chunk_encoder",
    "register_chunk_encoder",
]

ENCODER_LEVELS = ("hyperword", "scene", "concept")


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
    if encoder.level not in ENCODER_LEVELS:
        raise ConfigError(f"encoder level '{encoder.level}' is not one of {ENCODER_LEVELS}")
    return encoder
