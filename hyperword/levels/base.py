"""The resolution ladder: one `Level` object per rung, registered once, read everywhere.

A level says what one retrieved chunk costs in context tokens, how it becomes embedding rows,
where the store keeps its per-chunk value, and whether a stored value may be used with the
tokenizer or encoder loaded now. The store schema, ingest, the planning policies, assembly,
the service schema and the command line all read the ladder from `LEVELS`:

| level | a context token stands for | lossless | cuttable | store column |
|---|---|---|---|---|
| `text` | one base token | yes | yes | (the chunk's `text`) |
| `hyperword` | a hyperword id (~1.3-2 base tokens) | yes | yes | `hyperword_ids` |
| `scene` | a soft token for ~8 base tokens | no | no | `scene_vectors` |
| `concept` | a soft token for ~64 base tokens | no | no | `concept_vectors` |

Soft levels also pay for their two marker rows. A new soft rung is one `SoftLevel(name,
ratio=...)` passed to `register_level` (see `hyperword.levels.scene`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hyperword.registry import Registry

__all__ = [
    "LEVELS",
    "Excerpt",
    "Level",
    "LevelParts",
    "check_levels",
    "ladder",
    "level_names",
    "register_level",
    "stored_levels",
]

# `excerpt(text, keep)`: base-token ids of `text`'s sentences nearest the question, <= keep
Excerpt = Callable[[str, int], list[int]]


@dataclass(frozen=True)
class LevelParts:
    """What the levels read a chunk with.

    Attributes:
        model: The model that reads the context (its input embeddings make the rows).
        tokenizer: Its base tokenizer.
        hyperword_tokenizer: A `HyperwordTokenizer` over the same base vocabulary, or None.
        encoder: A `SoftTokenEncoder`, or None.
        stored_by: The store's `{level: {"id", "version"}}` of what filled each column.
    """

    model: Any
    tokenizer: Any
    hyperword_tokenizer: Any = None
    encoder: Any = None
    stored_by: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


class Level:
    """One rung of the ladder; subclasses implement the per-chunk methods.

    Attributes:
        name: The registry key (`text`, `hyperword`, `scene`, ...).
        ratio: Nominal base tokens per context token; the ladder runs from the lowest.
        lossless: Whether the level gives back the chunk's exact text.
        cuttable: Whether a prefix of its tokens is a valid, shorter chunk (token levels).
        excerpts: Whether a cut may keep the sentences nearest the question (verbatim text).
        column: The store column of its per-chunk value; None when it is the chunk's text.
        column_type: `"ids"` (a list of int32) or `"vectors"` (float16 rows), with `column`.
        needs: The part it cannot be read without (`"hyperword tokenizer"`, `"encoder"`).
    """

    name: str = ""
    ratio: float = 1.0
    lossless: bool = True
    cuttable: bool = False
    excerpts: bool = False
    column: str | None = None
    column_type: str | None = None
    needs: str | None = None

    def unavailable(self, parts: LevelParts) -> str | None:
        """Why the level cannot be used with `parts` (None when it can)."""
        return None

    def stored_usable(self, parts: LevelParts) -> bool:
        """Whether the store's column for this level is worth reading with `parts`."""
        return False

    def valid(self, value: Any, base_ids: Sequence[int], parts: LevelParts) -> bool:
        """Whether a stored `value` may stand for a chunk of `base_ids` with `parts`."""
        return False

    def encode(self, texts: Sequence[str], parts: LevelParts) -> list[Any]:
        """Values of chunks that had no usable stored one (None: computed when read)."""
        return [None] * len(texts)

    def cost(self, base_ids: Sequence[int], value: Any) -> int:
        """Context tokens of a chunk of `base_ids` whose level value is `value`."""
        raise NotImplementedError

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
        """Embedding rows of the chunk, `(cost, d_model)`; a cuttable level keeps <= `keep`."""
        raise NotImplementedError

    def to_column(self, value: Any) -> Any:
        """A chunk encoder's value as written to the store column."""
        return value

    def from_column(self, raw: Any) -> Any:
        """A store column's value as the level reads it."""
        return raw

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, ratio={self.ratio})"


LEVELS: Registry[Level] = Registry("level")


def register_level(level: Level) -> Level:
    """Add a level to the ladder; a name already taken raises `ValueError`."""
    return LEVELS.add(level.name, level)


def ladder() -> tuple[Level, ...]:
    """Every registered level, richest (lowest ratio) first."""
    return tuple(sorted(LEVELS.values(), key=lambda level: level.ratio))


def level_names() -> tuple[str, ...]:
    """The names of `ladder()`, richest first."""
    return tuple(level.name for level in ladder())


def stored_levels() -> tuple[Level, ...]:
    """Levels whose per-chunk value has a store column (filled by chunk encoders)."""
    return tuple(level for level in ladder() if level.column)


def check_levels(levels: object) -> tuple[str, ...]:
    """`levels` as a tuple in ladder order; raises `ValueError` naming an unknown one."""
    if isinstance(levels, str):
        levels = [levels]
    try:
        given = list(levels)  # type: ignore[call-overload]
    except TypeError:
        raise ValueError(f"levels must be a list of level names, got {levels!r}") from None
    names = level_names()
    unknown = [level for level in given if level not in names]
    if unknown or not given:
        raise ValueError(f"levels must be a non-empty subset of {list(names)}, got {given}")
    return tuple(level for level in names if level in given)
