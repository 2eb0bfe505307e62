"""Each retrieved chunk at every available level: what it costs, and its embedding rows.

Stored columns are preferred (hyperword ids and soft vectors filled at ingest); a chunk that
has none, or whose stored values come from another tokenizer or encoder, is encoded here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from hyperword.levels import LEVELS, LevelParts, ladder
from orchestrator.focus import Focus

__all__ = ["Materials", "Source"]

logger = logging.getLogger(__name__)


@dataclass
class Source:
    """One retrieved chunk and what each level needs to embed it.

    Attributes:
        hit: The store's search hit.
        base_ids: Its text in base-model tokens (no special tokens).
        values: Per costed level, its value for the chunk (`Level.encode`): hyperword ids;
            stored soft vectors `(n_slots, d_model)` float16, or None (encoded when read).
    """

    hit: Any
    base_ids: list[int]
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def hyperword_ids(self) -> list[int] | None:
        return self.values.get("hyperword")

    def cost(self, level: str) -> int:
        """Context positions at `level`, source marker excluded."""
        return LEVELS[level].cost(self.base_ids, self.values.get(level))


class Materials:
    """Levels a model, a hyperword tokenizer and an encoder make available, per chunk.

    Args:
        model: The model that reads the context (the encoder's decoder when there is one).
        tokenizer: Its base tokenizer.
        hyperword_tokenizer: A `HyperwordTokenizer` over the same base vocabulary, or None
            (the `hyperword` level is then unavailable).
        encoder: A `SoftTokenEncoder`, or None (the soft levels are unavailable).
        store_encoders: The store manifest's `{level: {"id", "version"}}`: stored values are
            used only when they come from this very tokenizer or encoder.
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        hyperword_tokenizer: Any = None,
        encoder: Any = None,
        store_encoders: Mapping[str, Mapping[str, str]] | None = None,
    ):
        self.model, self.tokenizer = model, tokenizer
        self.hyperword_tokenizer, self.encoder = hyperword_tokenizer, encoder
        self.parts = LevelParts(
            model,
            tokenizer,
            hyperword_tokenizer=hyperword_tokenizer,
            encoder=encoder,
            stored_by=store_encoders if store_encoders is not None else {},
        )
        self.available: tuple[str, ...] = tuple(
            level.name for level in ladder() if level.unavailable(self.parts) is None
        )

    def stored_usable(self, level: str) -> bool:
        """Whether the store's `level` column is worth reading with these parts."""
        return LEVELS[level].stored_usable(self.parts)

    def prepare(
        self,
        hits: Sequence[Any],
        *,
        levels: Sequence[str],
        stored: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> list[Source]:
        """`Source`s for `hits`, costed at `levels` (a subset of `available`).

        Args:
            hits: Search hits, best first.
            levels: Levels to cost.
            stored: Per level, `{chunk id: stored value}` (`store.get(ids, level=...)`).
        """
        stored = stored or {}
        texts = [hit.text for hit in hits]
        base = self.tokenizer(texts, add_special_tokens=False).input_ids if texts else []
        sources = [Source(hit=h, base_ids=list(ids)) for h, ids in zip(hits, base, strict=True)]
        for name in levels:
            level = LEVELS[name]
            given = stored.get(name, {}) if level.stored_usable(self.parts) else {}
            missing = []
            for source in sources:
                value = given.get(source.hit.id)
                if level.valid(value, source.base_ids, self.parts):
                    source.values[name] = value
                else:
                    missing.append(source)
            if missing:
                encoded = level.encode([s.hit.text for s in missing], self.parts)
                for source, value in zip(missing, encoded, strict=True):
                    source.values[name] = value
        return sources

    def rows(
        self, source: Source, level: str, *, keep: int | None = None, focus: Focus | None = None
    ) -> torch.Tensor:
        """Embedding rows of `source` at `level`: `(cost, d_model)`.

        Args:
            source: A prepared source.
            level: One of its costed levels.
            keep: For token levels, keep at most `keep` tokens: a prefix, or for `text` with
                `focus`, the sentences nearest the question (`focus.excerpt`).
            focus: Builds question-focused excerpts of cut `text` sources.
        """
        excerpt = None
        if focus is not None:

            def excerpt(text: str, size: int) -> list[int]:
                return focus.excerpt(self.tokenizer, text, size)

        value = source.values.get(level)
        return LEVELS[level].rows(
            source.hit.text, source.base_ids, value, self.parts, keep=keep, excerpt=excerpt
        )
