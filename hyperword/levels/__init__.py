"""The resolution ladder (`text`, `hyperword`, `scene`, `concept`), one object per level.

    from hyperword.levels import LEVELS, ladder, level_names

    level_names()                      # ("text", "hyperword", "scene", "concept")
    LEVELS["scene"].cost(base_ids, None)  # ceil(len(base_ids) / 8) + 2 marker rows

See `hyperword.levels.base` for the `Level` contract and `hyperword.levels.soft` for adding
a soft rung. Importing this package registers the built-in levels.
"""

from __future__ import annotations

from hyperword.levels import concept, hyperword, ratios, scene, text
from hyperword.levels.base import (
    LEVELS,
    Excerpt,
    Level,
    LevelParts,
    check_levels,
    ladder,
    level_names,
    register_level,
    stored_levels,
)
from hyperword.levels.soft import MARKER_ROWS, SoftLevel, encoder_levels, soft_levels

__all__ = [
    "LEVELS",
    "MARKER_ROWS",
    "Excerpt",
    "Level",
    "LevelParts",
    "SoftLevel",
    "check_levels",
    "concept",
    "encoder_levels",
    "hyperword",
    "ladder",
    "level_names",
    "ratios",
    "register_level",
    "scene",
    "soft_levels",
    "stored_levels",
    "text",
]
