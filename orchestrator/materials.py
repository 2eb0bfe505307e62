"""Each retrieved chunk at every available level: what it costs, and its embedding rows.

Stored columns are preferred (hyperword ids and soft vectors filled at ingest); a chunk that
has none, or whose stored values come from another tokenizer or encoder, is encoded here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from orchestrator.focus import Focus
from orchestrator.levels import LEVELS, SOFT_LEVELS

__all__ = ["Materials", "Source", "embed_text"]

logger = logging.getLogger(__name__)


def embed_text(model: Any, tokenizer: Any, text: str, *, bos: bool = False) -> torch.Tensor:
    """Input-embedding rows of `text` (the layer's forward, so any scaling applies): `(n, d)`."""
    ids = tokenizer(text, add_special_tokens=False).input_ids
    if bos and tokenizer.bos_token_id is not None:
        ids = [tokenizer.bos_token_id, *ids]
    return embed_ids(model, ids)


def embed_ids(model: Any, ids: Sequence[int]) -> torch.Tensor:
    """Input-embedding rows of base-token ids: `(len(ids), d_model)`."""
    layer = model.get_input_embeddings()
    return layer(torch.tensor(list(ids), dtype=torch.long, device=layer.weight.device))


@dataclass
class Source:
    """One retrieved chunk and what each level needs to embed it.

    Attributes:
        hit: The store's search hit.
        base_ids: Its text in base-model tokens (no special tokens).
        hyperword_ids: Its hyperword ids (stored, or encoded here), when that level is on.
        soft: Stored soft vectors per level `(n_slots, d_model)` float16, when usable.
        slots: Soft tokens per level, wrap markers excluded.
    """

    hit: Any
    base_ids: list[int]
    hyperword_ids: list[int] | None = None
    soft: dict[str, np.ndarray] = field(default_factory=dict)
    slots: dict[str, int] = field(default_factory=dict)

    def cost(self, level: str) -> int:
        """Context positions at `level`, source marker excluded."""
        if level == "text":
            return len(self.base_ids)
        if level == "hyperword":
            return len(self.hyperword_ids or ())
        return self.slots[level] + 2  # begin and end marker rows


class Materials:
    """Levels a model, a hyperword tokenizer and an encoder make available, per chunk.

    Args:
        model: The model that reads the context (the encoder's decoder when there is one).
        tokenizer: Its base tokenizer.
        hyperword_tokenizer: A `HyperwordTokenizer` over the same base vocabulary, or None
            (the `hyperword` level is then unavailable).
        encoder: A `SoftTokenEncoder`, or None (`scene`/`concept` unavailable).
        store_encoders: The store manifest's `{level: {"id", "version"}}`: stored soft vectors
            are used only when they come from this very encoder.
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
        self.store_encoders = dict(store_encoders or {})
        available = ["text"]
        if hyperword_tokenizer is not None:
            available.append("hyperword")
        if encoder is not None:
            available.extend(SOFT_LEVELS)
        self.available: tuple[str, ...] = tuple(lv for lv in LEVELS if lv in available)

    def stored_soft_usable(self, level: str) -> bool:
        """Whether the store's `level` vectors come from this encoder (id and version)."""
        if self.encoder is None:
            return False
        stored = self.store_encoders.get(level) or {}
        return stored.get("id") == self.encoder.id and stored.get("version") == str(
            self.encoder.version
        )

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
        if "hyperword" in levels:
            self._hyperword_ids(sources, stored.get("hyperword", {}))
        for level in SOFT_LEVELS:
            if level in levels:
                self._soft_slots(sources, level, stored.get(level, {}))
        return sources

    def _hyperword_ids(self, sources: list[Source], stored: Mapping[str, Any]) -> None:
        tokenizer = self.hyperword_tokenizer
        missing = []
        for source in sources:
            ids = stored.get(source.hit.id)
            if ids and self._expands_to(ids, source.base_ids):
                source.hyperword_ids = list(ids)
            else:
                missing.append(source)
        if missing:
            encoded = tokenizer.encode_batch([s.hit.text for s in missing])
            for source, ids in zip(missing, encoded, strict=True):
                source.hyperword_ids = list(ids)

    def _expands_to(self, ids: Sequence[int], base_ids: list[int]) -> bool:
        """Stored ids are trusted only if they expand to the chunk's own base tokens."""
        try:
            return self.hyperword_tokenizer.expand(ids) == base_ids
        except Exception:  # ids from another tokenizer: out of range
            return False

    def _soft_slots(self, sources: list[Source], level: str, stored: Mapping[str, Any]) -> None:
        from hyperword.encoder.base import slots_for

        usable = self.stored_soft_usable(level)
        for source in sources:
            vectors = stored.get(source.hit.id) if usable else None
            if vectors is not None and len(vectors):
                source.soft[level] = np.asarray(vectors)
                source.slots[level] = int(source.soft[level].shape[0])
            else:
                source.slots[level] = slots_for(max(len(source.base_ids), 1), level)

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
        if level == "text":
            return embed_ids(self.model, self.text_ids(source, keep=keep, focus=focus))
        if level == "hyperword":
            ids = (source.hyperword_ids or [])[:keep]  # hyperword ids: a prefix
            return self.hyperword_tokenizer.embed(ids, self.model)[0]  # (n, d)
        if level in source.soft:
            soft = torch.from_numpy(source.soft[level].astype(np.float32))  # (n_slots, d)
        else:
            soft = self.encoder.encode([source.hit.text], level=level, n_slots=source.slots[level])
            soft = soft[0]  # (n_slots, d)
        wrapped = self.encoder.wrap(soft, level=level)  # (n_slots + 2, d)
        return wrapped

    def text_ids(
        self, source: Source, *, keep: int | None = None, focus: Focus | None = None
    ) -> list[int]:
        """`source`'s verbatim tokens, cut to `keep`: an excerpt with `focus`, else a prefix."""
        if keep is None or keep >= len(source.base_ids):
            return source.base_ids
        if focus is not None:
            return focus.excerpt(self.tokenizer, source.hit.text, keep)
        return source.base_ids[:keep]
