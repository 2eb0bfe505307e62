"""`hyperword`: the chunk as hyperword ids, lossless, ~1.3-2x fewer tokens than its text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hyperword.levels.base import Excerpt, Level, LevelParts, register_level

__all__ = ["HYPERWORD", "HyperwordLevel"]


class HyperwordLevel(Level):
    """Hyperword ids (`HyperwordTokenizer`); a prefix of ids is valid text, so it cuts (on a
    word boundary, never inside a word or a number).

    Stored ids are used only when they expand to the chunk's own base tokens under the
    loaded tokenizer (ids of another tokenizer are re-encoded).
    """

    name = "hyperword"
    ratio = 1.3
    lossless = True
    cuttable = True
    column = "hyperword_ids"
    column_type = "ids"
    needs = "hyperword tokenizer"

    def unavailable(self, parts: LevelParts) -> str | None:
        return None if parts.hyperword_tokenizer is not None else f"no {self.needs} loaded"

    def stored_usable(self, parts: LevelParts) -> bool:
        return self.name in parts.stored_by  # each value is still checked (`valid`)

    def valid(self, value: Any, base_ids: Sequence[int], parts: LevelParts) -> bool:
        if not value:
            return False
        try:
            return parts.hyperword_tokenizer.expand(value) == list(base_ids)
        except Exception:  # ids from another tokenizer: out of range
            return False

    def encode(self, texts: Sequence[str], parts: LevelParts) -> list[Any]:
        return [list(ids) for ids in parts.hyperword_tokenizer.encode_batch(list(texts))]

    def cost(self, base_ids: Sequence[int], value: Any) -> int:
        return len(value or ())

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
        from hyperword.sentences import word_boundary_cut

        ids = list(value or [])
        if keep is not None and keep < len(ids):  # a prefix ending on a word boundary
            hyperwords = parts.hyperword_tokenizer
            lengths = [len(hyperwords.expand([i])) for i in ids]
            ids = ids[: word_boundary_cut(parts.tokenizer, text, ids, keep, lengths=lengths)]
        return parts.hyperword_tokenizer.embed(ids, parts.model)[0]  # (n, d)

    def to_column(self, value: Any) -> Any:
        return [int(i) for i in value]

    def from_column(self, raw: Any) -> Any:
        return None if raw is None else list(raw)


HYPERWORD = register_level(HyperwordLevel())
