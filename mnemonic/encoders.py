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

from mnemonic.exceptions import ConfigError

__all__ = [
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


_FACTORIES: dict[str, Callable[..., ChunkEncoder]] = {}


def register_chunk_encoder(
    name: str,
) -> Callable[[Callable[..., ChunkEncoder]], Callable[..., ChunkEncoder]]:
    """Register a chunk-encoder factory (a class or function) under `name`."""

    def decorator(factory: Callable[..., ChunkEncoder]) -> Callable[..., ChunkEncoder]:
        if name in _FACTORIES:
            raise ValueError(f"chunk encoder '{name}' is already registered")
        _FACTORIES[name] = factory
        return factory

    return decorator


def create_chunk_encoder(name: str, **options: Any) -> ChunkEncoder:
    """Build a registered chunk encoder."""
    if name not in _FACTORIES:
        raise ConfigError(f"unknown chunk encoder '{name}'; registered: {sorted(_FACTORIES)}")
    return validate_encoder(_FACTORIES[name](**options))


def chunk_encoders() -> list[str]:
    """Names of the registered chunk encoders."""
    return sorted(_FACTORIES)


def validate_encoder(encoder: Any) -> ChunkEncoder:
    """Check an encoder's shape: a known level, string id and version, an `encode` method."""
    if not isinstance(encoder, ChunkEncoder):
        raise ConfigError(f"{encoder!r} is not a ChunkEncoder (level, id, version, encode)")
    if encoder.level not in ENCODER_LEVELS:
        raise ConfigError(f"encoder level '{encoder.level}' is not one of {ENCODER_LEVELS}")
    return encoder
