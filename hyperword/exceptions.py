"""Errors raised by the `hyperword` package. Each message says what to do next."""

from __future__ import annotations

__all__ = [
    "CacheError",
    "HyperwordError",
    "MissingPackageError",
    "ModelNotFoundError",
    "UnknownModelError",
    "UnknownNameError",
]


class HyperwordError(Exception):
    """Base class for every error this toolkit raises on purpose."""


class UnknownModelError(HyperwordError, ValueError):
    """A model name is neither a known alias, a local path, nor a hub id."""


class MissingPackageError(HyperwordError, ImportError):
    """An optional package that ships a model or a backend is not installed."""


class ModelNotFoundError(HyperwordError, FileNotFoundError):
    """A local path or hub id could not be loaded (missing files, or offline)."""


class CacheError(HyperwordError, OSError):
    """The model cache directory cannot be used (not writable, or not a directory)."""


class UnknownNameError(HyperwordError, KeyError, ValueError):
    """No entry of a registry (policy, method, task, level, index kind, ...) has that name.

    A `KeyError` (registries are mappings) and a `ValueError` (a bad option value), so code
    that caught either keeps working.
    """

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""
