"""The rungs between `scene` and `concept`, and below `scene`: 4, 16 and 32 base tokens each.

One encoder serves every ratio (docs/encoder.md); these are its other rungs, named by ratio.
"""

from __future__ import annotations

from hyperword.levels.base import register_level
from hyperword.levels.soft import SoftLevel

__all__ = ["RATIO_4", "RATIO_16", "RATIO_32"]

RATIO_4 = register_level(SoftLevel("ratio-4", ratio=4))
RATIO_16 = register_level(SoftLevel("ratio-16", ratio=16))
RATIO_32 = register_level(SoftLevel("ratio-32", ratio=32))
