"""`scene`: one soft token per ~8 base tokens (a sentence or a span)."""

from __future__ import annotations

from hyperword.levels.base import register_level
from hyperword.levels.soft import SoftLevel

__all__ = ["SCENE"]

SCENE = register_level(SoftLevel("scene", ratio=8))
