"""The store's searches by mode and its links: the read side `MnemonicStore` inherits.

`search_by_vector` runs the mode asked for (`mnemonic.hybrid`: FAISS or LanceDB for `dense`,
the full-text index for `lexical`, both fused for `hybrid`); the link reads answer from the
link table (`mnemonic.links`). Every row served belongs to a committed document version: the
dense paths read through the snapshot (`mnemonic.search`), lexical rows and rows by id are
filtered by it here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from mnemonic.exceptions import ConfigError
from mnemonic.filters import check_where
from mnemonic.hybrid import DEFAULT_MODE, lexical_hits, search_mode
from mnemonic.integrity import VERIFY_COLUMNS, damaged, reading
from mnemonic.lexical import search_lexical
from mnemonic.links import LinkTable, Neighbour
from mnemonic.schema import Hit
from mnemonic.search import (
    HIT_COLUMNS,
    hit_from_record,
    search_faiss,
    search_ids,
    search_lance,
    verified,
)

__all__ = ["StoreReads"]


class StoreReads:
    """Searches by mode and link reads of a store (mixed into `MnemonicStore`; uses its
    `_sync`, `_chunks`, `_links` and `_level_columns`)."""

    _sync: Any
    _chunks: Any
    _links: Any
    _db: Any
    _level_columns: Any  # levels -> the store columns this table has

    def search_by_vector(
        self,
        vector: np.ndarray,
        *,
        k: int = 10,
        where: str | None = None,
        levels: Sequence[str] = (),
        text: str | None = None,
        mode: str | None = None,
    ) -> list[Hit]:
        """Like `search`, for a precomputed normalized vector `(dim,)`.

        `text` (the query's text) is needed by the `lexical` and `hybrid` modes; `mode`
        defaults to `hybrid` when `text` is given and `dense` otherwise.
        """
        if not isinstance(k, int) or k < 1:
            raise ConfigError(f"k must be a positive int, got {k!r}")
        vector = np.asarray(vector, dtype=np.float32).reshape(-1)
        columns = [*HIT_COLUMNS, *self._level_columns(levels)]
        lexical = None
        if text is not None:

            def lexical(n: int) -> list[Hit]:
                select = list(dict.fromkeys([*columns, *VERIFY_COLUMNS]))
                with reading(self._sync.folder, "full-text index"):
                    rows = search_lexical(
                        self._chunks, text, n, where and check_where(where), select, vector
                    )
                if rows is None:  # no full-text index: hybrid is dense alone until it is built
                    if mode == "lexical" and self._sync.snapshot().chunks:
                        raise damaged(self._sync.folder, "the full-text index is missing")
                    return []
                rows = self._visible(rows)
                verified(self._sync.folder, [record for record, *_ in rows])
                return lexical_hits(rows, hit_from_record)

        def dense(n: int) -> list[Hit]:
            return self._search_dense(vector, n, where, columns)

        mode = mode or (DEFAULT_MODE if text is not None else "dense")
        return search_mode(mode, k=k, dense=dense, lexical=lexical)

    def _search_dense(
        self, vector: np.ndarray, k: int, where: str | None, columns: list[str]
    ) -> list[Hit]:
        if where:
            return search_lance(self._sync, vector, k, check_where(where), columns)
        return search_faiss(self._sync, vector, k, columns)

    # -- links ---------------------------------------------------------------------------

    @property
    def has_links(self) -> bool:
        """Whether the link table holds any links (stores made before it have none)."""
        links = self._open_links()
        if links is None:
            return False
        with reading(self._sync.folder, "link table"):
            return links.count() > 0

    def _open_links(self) -> Any:
        """The link table, or None while the store has none (opened again each time it is
        asked for until then: another process's write may have made it)."""
        if self._links is None:
            with reading(self._sync.folder, "link table"):
                self._links = LinkTable.open(self._db)
        return self._links

    def _link_table(self) -> Any:
        """The link table (None for a store without chunks); `StoreCorruptError` when a
        store with chunks has none."""
        if self._open_links() is None and self._sync.snapshot().chunks:
            raise damaged(
                self._sync.folder,
                "the link table is missing (a store made before links gets it at its next write)",
            )
        return self._links

    def entities(self, chunk_ids: Sequence[str]) -> dict[str, list[Any]]:
        """Each chunk's entities (`mnemonic.entities.Entity`), by chunk id."""
        links = self._link_table()
        if links is None:
            return {cid: [] for cid in chunk_ids}
        with reading(self._sync.folder, "link table"):
            return links.entities(list(chunk_ids))

    def chunks_naming(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Chunks whose entities include any of `keys` (`LinkTable.chunks_naming`)."""
        links = self._link_table()
        if links is None:
            return {}
        with reading(self._sync.folder, "link table"):
            return links.chunks_naming(keys)

    def neighbours(self, chunk_id: str, *, k: int = 10) -> list[Neighbour]:
        """The chunks linked to `chunk_id` through shared names and titles, best first."""
        links = self._link_table()
        if links is None:
            return []
        with reading(self._sync.folder, "link table"):
            return links.neighbours(chunk_id, total=self._chunks.count_rows(), k=k)

    def hits_by_id(
        self,
        ids: Sequence[str],
        vector: np.ndarray,
        *,
        where: str | None = None,
        levels: Sequence[str] = (),
    ) -> list[Hit]:
        """The live chunks among `ids` as hits scored by cosine to `vector`, best first."""
        columns = [*HIT_COLUMNS, *self._level_columns(levels)]
        vector = np.asarray(vector, dtype=np.float32).reshape(-1)
        return search_ids(self._sync, list(ids), vector, where and check_where(where), columns)

    def _visible(self, rows: list[tuple[dict[str, Any], float, float]]) -> list:
        """The lexical index's rows (`(record, bm25, cosine)`) of committed versions only."""
        if not rows:
            return rows
        seqs = np.asarray([record["seq"] for record, *_ in rows], np.int64)
        keep = self._sync.snapshot().locate(seqs) >= 0
        return [row for row, visible in zip(rows, keep, strict=True) if visible]
