"""Errors raised by the hyperword tokenizer. Each message says what to do next."""

from __future__ import annotations

from hyperword.exceptions import HyperwordError, UnknownNameError

__all__ = [
    "CorruptTokenizerError",
    "TokenizerConfigError",
    "TokenizerMismatchError",
    "UnknownTrainerError",
]


class TokenizerConfigError(HyperwordError, ValueError):
    """A tokenizer or trainer option has a value outside its allowed set."""


UnknownTrainerError = UnknownNameError  # the one unknown-name error (kept name)


class TokenizerMismatchError(HyperwordError, ValueError):
    """A saved hyperword tokenizer is loaded against a base tokenizer it was not trained on."""


class CorruptTokenizerError(HyperwordError, OSError):
    """A saved hyperword tokenizer folder is missing files or holds unreadable data."""
