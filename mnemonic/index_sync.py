"""Keeping the in-memory FAISS index in step with the LanceDB `chunks` table.

Rows carry an increasing `seq` (the FAISS id). Each sync refreshes to the latest table
version; when it moved, the live rows are re-read (`LiveRows`: sorted seqs and their
LanceDB row ids) and the rows appended since are added to the index, so searching works
while another process ingests. A missing, corrupt or too-stale index is rebuilt from the
table. The one writer allocates new seqs above every seq ever stored or indexed.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mnemonic.exceptions import IndexLoadError
from mnemonic.index import IndexConfig, VectorIndex

__all__ = ["IndexSync", "LiveRows"]

logger = logging.getLogger(__name__)


@dataclass
class LiveRows:
    """Live rows at one table version: sorted `seq` and the matching LanceDB row ids."""

    version: int
    seqs: np.ndarray  # (n,) int64, sorted
    row_ids: np.ndarray  # (n,) uint64

    def locate(self, seqs: np.ndarray) -> np.ndarray:
        """Row ids of `seqs`, -1 where a seq is not live."""
        if len(self.seqs) == 0:
            return np.full(len(seqs), -1, np.int64)
        pos = np.clip(np.searchsorted(self.seqs, seqs), 0, len(self.seqs) - 1)
        found = self.seqs[pos] == seqs
        return np.where(found, self.row_ids[pos].astype(np.int64), -1)

    def count_at_most(self, seq: int) -> int:
        return int(np.searchsorted(self.seqs, seq, side="right"))


class IndexSync:
    """The FAISS index of a store's `chunks` table, and the live rows it maps to.

    Args:
        folder: The store folder (the index is persisted there).
        table: The LanceDB `chunks` table.
        config: Which index to build and how to search it.
        dim: The retrieval vectors' dimension.
    """

    def __init__(self, folder: Path, table: Any, config: IndexConfig, *, dim: int):
        self.folder, self.table, self.config, self.dim = Path(folder), table, config, dim
        self.index: VectorIndex | None = None
        self.rows: LiveRows | None = None
        self._last_seq = -1

    def sync(self, *, persist: bool = False, rebuild: bool = False) -> VectorIndex:
        """Bring the index up to the latest table version and return it.

        Loads the persisted index, or rebuilds from LanceDB when it is missing, corrupt,
        holds too many deleted rows, or (when `persist`) is no longer the kind its size calls
        for; otherwise adds the rows appended since. With `persist`, saves it when changed.
        """
        self.table.checkout_latest()
        version = self.table.version
        if self.rows is None or self.rows.version != version:
            self.rows = self._scan_rows(version)
        index, changed = self.index, False
        if index is None and not rebuild:
            index = self._load()
        if index is not None and not rebuild:
            rebuild = self._stale(index, persist)
        if index is None or rebuild:
            vectors, seqs = self.read_vectors()
            index = VectorIndex.build(vectors, seqs, self.config, dim=self.dim)
            changed = True
        elif self._appended(index, version):
            vectors, seqs = self.read_vectors(f"seq > {index.max_seq}")
            index.add(vectors, seqs)
            changed = True
        changed = changed or index.table_version != version
        index.table_version = version
        self.index = index
        if persist and changed:
            index.save(self.folder)
        return index

    def next_seqs(self, n: int) -> np.ndarray:
        """`n` fresh row numbers above every seq ever stored or indexed (writer only)."""
        rows = self.rows
        top = rows.seqs[-1] if rows is not None and len(rows.seqs) else -1
        if self.index is not None:
            top = max(top, self.index.max_seq)
        start = max(int(top) + 1, time.time_ns() // 1000, self._last_seq + 1)
        self._last_seq = start + n - 1
        return np.arange(start, start + n, dtype=np.int64)

    def read_vectors(self, where: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Retrieval vectors `(n, dim)` and their seqs `(n,)`, of the rows `where` selects."""
        query = self.table.search().select(["seq", "vector"]).limit(None)
        if where:
            query = query.where(where)
        table = query.to_arrow()
        if table.num_rows == 0:
            return np.zeros((0, self.dim), np.float32), np.zeros(0, np.int64)
        vectors = table["vector"].combine_chunks().flatten().to_numpy(zero_copy_only=False)
        return vectors.reshape(-1, self.dim), table["seq"].to_numpy().astype(np.int64)

    def _scan_rows(self, version: int) -> LiveRows:
        table = self.table.search().select(["seq"]).with_row_id(True).limit(None).to_arrow()
        seqs = table["seq"].to_numpy().astype(np.int64)
        row_ids = table["_rowid"].to_numpy().astype(np.uint64)
        order = np.argsort(seqs, kind="stable")
        return LiveRows(version, seqs[order], row_ids[order])

    def _load(self) -> VectorIndex | None:
        try:
            return VectorIndex.load(self.folder, self.config, dim=self.dim)
        except IndexLoadError as error:
            logger.info("rebuilding the FAISS index: %s", error)
            return None

    def _stale(self, index: VectorIndex, persist: bool) -> bool:
        """Whether `index` must be rebuilt: rows it lacks, too many dead, or the wrong kind."""
        rows = self.rows
        dead = index.ntotal - rows.count_at_most(index.max_seq)
        wrong_kind = persist and index.kind != self.config.resolve_kind(len(rows.seqs))
        too_dead = dead > self.config.rebuild_dead_fraction * max(index.ntotal, 1)
        return dead < 0 or too_dead or wrong_kind

    def _appended(self, index: VectorIndex, version: int) -> bool:
        """Whether rows were appended above the index's last seq since it was synced."""
        seqs = self.rows.seqs
        return index.table_version != version and len(seqs) > 0 and seqs[-1] > index.max_seq
