"""Errors of adapter training: bad configs, unusable data, checkpoints that do not match."""

from __future__ import annotations

from hyperword.exceptions import HyperwordError

__all__ = ["TrainingConfigError", "TrainingDataError", "TrainingError"]


class TrainingError(HyperwordError, ValueError):
    """Base class of the training errors."""


class TrainingConfigError(TrainingError):
    """A training config is malformed or inconsistent."""


class TrainingDataError(TrainingError):
    """Training data is missing or not in the expected layout."""
