"""The resolution ladder the orchestrator plans over, richest first.

| level | what a source costs (context positions) | lossless |
|---|---|---|
| `text` | its base tokens (verbatim) | yes |
| `hyperword` | its hyperword ids (~1.3-2x fewer) | yes |
| `scene` | `ceil(tokens / 8)` soft tokens + 2 level markers | no |
| `concept` | `ceil(tokens / 64)` soft tokens + 2 level markers | no |

Every source also pays for its source marker (`[n] `, after a separator).
"""

from __future__ import annotations

__all__ = ["CUTTABLE_LEVELS", "LEVELS", "SOFT_LEVELS", "check_levels"]

LEVELS: tuple[str, ...] = ("text", "hyperword", "scene", "concept")
SOFT_LEVELS: tuple[str, ...] = ("scene", "concept")
CUTTABLE_LEVELS: tuple[str, ...] = ("text", "hyperword")  # token levels: a prefix is valid


def check_levels(levels: object) -> tuple[str, ...]:
    """`levels` as a tuple in ladder order; raises `ValueError` naming an unknown one."""
    if isinstance(levels, str):
        levels = [levels]
    try:
        given = list(levels)  # type: ignore[call-overload]
    except TypeError:
        raise ValueError(f"levels must be a list of level names, got {levels!r}") from None
    unknown = [level for level in given if level not in LEVELS]
    if unknown or not given:
        raise ValueError(f"levels must be a non-empty subset of {list(LEVELS)}, got {given}")
    return tuple(level for level in LEVELS if level in given)
