"""Errors raised by the `mnemonic` package. Each message says what went wrong and what to do."""

from __future__ import annotations

from hyperword.exceptions import HyperwordError

__all__ = [
    "ChunkNotFoundError",
    "ConfigError",
    "IncompatibleStoreError",
    "IndexLoadError",
    "InputFileError",
    "StoreBusyError",
    "StoreCorruptError",
    "StoreError",
    "StoreReadOnlyError",
]


class StoreError(HyperwordError, OSError):
    """A store folder cannot be created, opened or written."""


class IncompatibleStoreError(StoreError):
    """A store holds vectors from a different embedder, base model or encoder."""


class StoreBusyError(StoreError):
    """Another process holds the store's writer lock."""


class StoreCorruptError(StoreError):
    """A store's files are damaged or missing: it refuses to answer rather than answer wrong.

    `hyperword store check DIR` says what is damaged; `--repair` rebuilds what it can.
    """


class StoreReadOnlyError(StoreError):
    """A store cannot be written (read-only or immutable folder); it can still be searched."""


class IndexLoadError(StoreError):
    """A persisted FAISS index is missing, stale or corrupt (the store rebuilds it)."""


class ConfigError(HyperwordError, ValueError):
    """A configuration value is out of range or not one of the allowed choices."""


class InputFileError(HyperwordError, ValueError):
    """An input file cannot be ingested (binary, undecodable, unsupported or malformed)."""


class ChunkNotFoundError(HyperwordError, KeyError):
    """Some requested chunk ids are not in the store."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""
