"""Errors raised by the hyperword tokenizer. Each message says what to do next."""

from __future__ import annotations

from hyperword.exceptions import HyperwordError

__all__ = [
    "CorruptTokenizerError",
    "TokenizerConfigError",
    "TokenizerMismatchError",
    "UnknownTrainerError",
]


class TokenizerConfigError(HyperwordError, ValueError):
    """A tokenizer or trainer option has a value outside its allowed set."""


class UnknownTrainerError(HyperwordError, KeyError):
    """No trainer is registered under the requested name."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class TokenizerMismatchError(HyperwordError, ValueError):
    """A saved hyperword tokenizer is loaded against a base tokenizer it was not trained on."""


class CorruptTokenizerError(HyperwordError, OSError):
    """A saved hyperword tokenizer folder is missing files or holds unreadable data."""
