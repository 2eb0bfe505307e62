"""Soft levels: a chunk as `ceil(tokens / ratio)` learned soft tokens between two markers.

A `SoftTokenEncoder` makes them (`hyperword.encoder`); the store keeps them as float16 rows
in the column `<name>_vectors`, and uses them only when the store records that the very
encoder loaded now (id and version) wrote them. Adding a rung is one line:

    register_level(SoftLevel("ratio-16", ratio=16))
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from hyperword.levels.base import Excerpt, Level, LevelParts, ladder

__all__ = ["MARKER_ROWS", "SoftLevel", "encoder_levels", "soft_levels"]

MARKER_ROWS = 2  # a soft run sits between a begin and an end marker row


class SoftLevel(Level):
    """A rung of the soft-token encoder: `ratio` base tokens per soft token.

    Args:
        name: The level's name (`scene`, `concept`, `ratio-16`, ...).
        ratio: Base tokens per soft token.
    """

    lossless = False
    cuttable = False
    column_type = "vectors"
    needs = "encoder"

    def __init__(self, name: str, *, ratio: int):
        if not isinstance(ratio, int) or ratio < 2:
            raise ValueError(f"a soft level's ratio must be an integer >= 2, got {ratio!r}")
        self.name = name
        self.ratio = ratio
        self.column = f"{name.replace('-', '_')}_vectors"

    def slots(self, n_tokens: int) -> int:
        """Soft tokens a span of `n_tokens` base tokens gets (at least one)."""
        return max(1, math.ceil(n_tokens / self.ratio))

    def unavailable(self, parts: LevelParts) -> str | None:
        if parts.encoder is None:
            return f"no {self.needs} loaded"
        if self.name not in encoder_levels(parts.encoder):
            return "the encoder does not serve it"
        return None

    def stored_usable(self, parts: LevelParts) -> bool:
        if parts.encoder is None:
            return False
        stored = parts.stored_by.get(self.name) or {}
        encoder = parts.encoder
        return stored.get("id") == encoder.id and stored.get("version") == str(encoder.version)

    def valid(self, value: Any, base_ids: Sequence[int], parts: LevelParts) -> bool:
        return value is not None and len(value) > 0

    def cost(self, base_ids: Sequence[int], value: Any) -> int:
        slots = len(value) if value is not None else self.slots(max(len(base_ids), 1))
        return slots + MARKER_ROWS

    def rows(
        self,
        text: str,
        base_ids: Sequence[int],
        value: Any,
        parts: LevelParts,
        *,
        keep: int | None = None,
        excerpt: Excerpt | None = None,
    ) -> Any:
        import numpy as np
        import torch

        if value is not None:
            soft = torch.from_numpy(np.asarray(value).astype(np.float32))  # (n_slots, d)
        else:
            n_slots = self.slots(max(len(base_ids), 1))
            soft = parts.encoder.encode([text], level=self.name, n_slots=n_slots)[0]
        return parts.encoder.wrap(soft, level=self.name)  # (n_slots + 2, d)

    def to_column(self, value: Any) -> Any:
        import numpy as np

        return np.asarray(value, dtype=np.float16).reshape(len(value), -1).tolist()

    def from_column(self, raw: Any) -> Any:
        import numpy as np

        return None if raw is None else np.asarray(raw, dtype=np.float16)  # (n_slots, d)


def soft_levels() -> tuple[SoftLevel, ...]:
    """The registered soft levels, densest-but-one first (ladder order)."""
    return tuple(level for level in ladder() if isinstance(level, SoftLevel))


def encoder_levels(encoder: Any) -> tuple[str, ...]:
    """The soft levels an encoder serves: its `levels`, its config's, else every soft level."""
    levels = getattr(encoder, "levels", None)
    if levels is None:
        levels = getattr(getattr(encoder, "config", None), "levels", None)
    if levels is None:
        return tuple(level.name for level in soft_levels())
    return tuple(levels)
