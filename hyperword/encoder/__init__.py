"""The learned soft-token encoder (`scene` ~8x, `concept` ~64x) and its decoder adapter."""

from __future__ import annotations

from hyperword.encoder.base import LEVEL_RATIOS, SOFT_LEVELS, SoftTokenEncoder, slots_for
from hyperword.encoder.config import EncoderConfig
from hyperword.encoder.encoder import DEFAULT_ENCODERS, HyperwordEncoder
from hyperword.encoder.exceptions import (
    CheckpointError,
    EncoderError,
    ModelMismatchError,
    SpanTooLongError,
)
from hyperword.encoder.folder import folder_digest
from hyperword.encoder.reading import answer_from_rows, qa_embeds, text_rows

__all__ = [
    "DEFAULT_ENCODERS",
    "LEVEL_RATIOS",
    "SOFT_LEVELS",
    "CheckpointError",
    "EncoderConfig",
    "EncoderError",
    "HyperwordEncoder",
    "ModelMismatchError",
    "SoftTokenEncoder",
    "SpanTooLongError",
    "answer_from_rows",
    "folder_digest",
    "qa_embeds",
    "slots_for",
    "text_rows",
]
