"""Symbolic hyperwords: a lossless superword tokenizer over a base tokenizer's token ids."""

from __future__ import annotations

from hyperword.tokenizer.config import HyperwordTokenizerConfig
from hyperword.tokenizer.embedding import embed_ids
from hyperword.tokenizer.exceptions import (
    CorruptTokenizerError,
    TokenizerConfigError,
    TokenizerMismatchError,
    UnknownTrainerError,
)
from hyperword.tokenizer.tokenizer import HyperwordTokenizer
from hyperword.tokenizer.training import TRAINERS, Hyperword, register_trainer

__all__ = [
    "TRAINERS",
    "CorruptTokenizerError",
    "Hyperword",
    "HyperwordTokenizer",
    "HyperwordTokenizerConfig",
    "TokenizerConfigError",
    "TokenizerMismatchError",
    "UnknownTrainerError",
    "embed_ids",
    "register_trainer",
]
