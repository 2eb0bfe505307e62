"""Errors of the soft-token encoder: bad checkpoints, mismatched models, spans too long."""

from __future__ import annotations

from hyperword.exceptions import HyperwordError

__all__ = ["CheckpointError", "EncoderError", "ModelMismatchError", "SpanTooLongError"]


class EncoderError(HyperwordError, ValueError):
    """Base class of the encoder's errors."""


class CheckpointError(EncoderError):
    """An encoder folder is missing files, partial or corrupt."""


class ModelMismatchError(EncoderError):
    """An encoder was trained for another base model than the one it is loaded with."""


class SpanTooLongError(EncoderError):
    """A span has more base tokens than the encoder accepts."""
