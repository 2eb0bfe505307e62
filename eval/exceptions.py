"""Errors raised by the evaluation harness."""

from __future__ import annotations

from hyperword.exceptions import HyperwordError

__all__ = ["EvalError", "MethodUnavailableError"]


class EvalError(HyperwordError, ValueError):
    """Bad evaluation input: a missing or malformed data file, an unknown task or method."""


class MethodUnavailableError(HyperwordError, ImportError):
    """A method needs an optional package that is not installed; the runner skips it."""
