"""`text`: the chunk verbatim, one context token per base token."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hyperword.levels.base import Excerpt, Level, LevelParts, register_level

__all__ = ["TEXT", "TextLevel"]


class TextLevel(Level):
    """Base tokens as they are; a cut keeps a prefix ending on a word boundary (never inside
    a word or a number), or with `excerpt` the sentences nearest the question."""

    name = "text"
    ratio = 1.0
    lossless = True
    cuttable = True
    excerpts = True

    def cost(self, base_ids: Sequence[int], value: Any) -> int:
        return len(base_ids)

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
        from hyperword.rows import token_rows
        from hyperword.sentences import word_boundary_cut

        ids = list(base_ids)
        if keep is not None and keep < len(ids):
            if excerpt is not None:
                ids = excerpt(text, keep)
            else:
                ids = ids[: word_boundary_cut(parts.tokenizer, text, ids, keep)]
        return token_rows(parts.model, ids)  # (n, d)


TEXT = register_level(TextLevel())
