"""Symbolic hyperwords: a lossless superword tokenizer over a base tokenizer's token ids."""

from __future__ import annotations

from typing import Any

from hyperword.tokenizer.config import HyperwordTokenizerConfig
from hyperword.tokenizer.embedding import embed_ids
from hyperword.tokenizer.exceptions import (
    CorruptTokenizerError,
    TokenizerConfigError,
    TokenizerMismatchError,
    UnknownTrainerError,
)
from hyperword.tokenizer.shipped import default_tokenizer, shipped_tokenizers
from hyperword.tokenizer.tokenizer import HyperwordTokenizer
from hyperword.tokenizer.training import TRAINERS, Hyperword, register_trainer

__all__ = [
    "TRAINERS",
    "ComposerConfig",
    "CorruptTokenizerError",
    "Hyperword",
    "HyperwordComposer",
    "HyperwordTokenizer",
    "HyperwordTokenizerConfig",
    "TokenizerConfigError",
    "TokenizerMismatchError",
    "UnknownTrainerError",
    "default_tokenizer",
    "embed_ids",
    "register_trainer",
    "shipped_tokenizers",
]


def __getattr__(name: str) -> Any:
    # Lazy: the composer needs torch, the tokenizer itself does not.
    if name in ("ComposerConfig", "HyperwordComposer"):
        from hyperword.tokenizer import composer

        return getattr(composer, name)
    raise AttributeError(f"module 'hyperword.tokenizer' has no attribute {name!r}")
