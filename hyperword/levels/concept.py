"""`concept`: one soft token per ~64 base tokens (a passage)."""

from __future__ import annotations

from hyperword.levels.base import register_level
from hyperword.levels.soft import SoftLevel

__all__ = ["CONCEPT"]

CONCEPT = register_level(SoftLevel("concept", ratio=64))
