"""Keeping the in-memory FAISS index in step with the LanceDB `chunks` table.

Rows carry an increasing `seq` (the FAISS id). Each sync refreshes the reader's `Snapshot`
(`mnemonic.snapshot`) when either table moved, and adds the rows appended since to the index,
so searching works while another process or thread ingests. The index holds every row's
vector, committed or not; `Snapshot.locate` keeps the hits to visible rows. A missing,
corrupt (checksum), too-stale or disagreeing index is rebuilt from the table; vectors read
from the table are checked (finite, unit norm) before they enter the index. The one writer
allocates new seqs above every seq ever stored or indexed.

Thread safety: one re-entrant lock guards the index and the snapshot; it is held for a sync
and a FAISS search (milliseconds), never while a writer embeds or appends rows.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from mnemonic.exceptions import IndexLoadError
from mnemonic.index import IndexConfig, VectorIndex
from mnemonic.integrity import bad_vectors, damaged, reading
from mnemonic.snapshot import Snapshot, read_snapshot

__all__ = ["IndexSync", "Nearest"]

logger = logging.getLogger(__name__)

Nearest = tuple[np.ndarray, np.ndarray, np.ndarray, bool]  # scores, seqs, row ids, exact


class IndexSync:
    """The FAISS index of a store's `chunks` table, and the snapshot it maps to.

    Args:
        folder: The store folder (the index is persisted there).
        table: The LanceDB `chunks` table.
        documents: The LanceDB `documents` table (which versions are committed).
        config: Which index to build and how to search it.
        dim: The retrieval vectors' dimension.
    """

    def __init__(
        self, folder: Path, table: Any, documents: Any, config: IndexConfig, *, dim: int
    ) -> None:
        self.folder, self.table, self.documents = Path(folder), table, documents
        self.config, self.dim = config, dim
        self.index: VectorIndex | None = None
        self.rows: Snapshot | None = None
        self.lock = threading.RLock()
        self._last_seq = -1
        self._distrust_file = False  # rebuild from the table rather than load the file

    def snapshot(self) -> Snapshot:
        """What readers see now (re-read when either table moved since the last one)."""
        with self.lock:
            with reading(self.folder, "chunks and documents tables"):
                self.table.checkout_latest()
                self.documents.checkout_latest()
                versions = (self.table.version, self.documents.version)
            if self.rows is None or not self.rows.is_current(*versions):
                self.rows = read_snapshot(self.table, self.documents, self.folder)
            return self.rows

    def forget(self, *, index: bool = False) -> None:
        """Drop the snapshot (and, with `index`, the index: rebuilt from the table next)."""
        with self.lock:
            self.rows = None
            if index:
                self.index, self._distrust_file = None, True

    def sync(self, *, persist: bool = False, rebuild: bool = False) -> VectorIndex:
        """Bring the index up to the latest table version and return it.

        Loads the persisted index, or rebuilds from LanceDB when it is missing, corrupt,
        holds too many deleted rows, or (when `persist`) is no longer the kind its size calls
        for; otherwise adds the rows appended since. With `persist`, saves it when changed.

        Raises:
            StoreCorruptError: The snapshot found damage, or the table's vectors are damaged.
        """
        with self.lock:
            rows = self.snapshot()
            rows.raise_if_damaged(self.folder)
            rebuild = rebuild or self._distrust_file
            index, changed = self.index, False
            if index is None and not rebuild:
                index = self._load()
            if index is not None and not rebuild:
                rebuild = self._stale(index, rows, persist)
            if index is None or rebuild:
                vectors, seqs = self.read_vectors()
                index = VectorIndex.build(vectors, seqs, self.config, dim=self.dim)
                changed, self._distrust_file = True, False
            elif self._appended(index, rows):
                vectors, seqs = self.read_vectors(f"seq > {index.max_seq}")
                index.add(vectors, seqs)
                changed = True
            changed = changed or index.table_version != rows.chunks_version
            index.table_version = rows.chunks_version
            self.index = index
            if persist and changed:
                index.save(self.folder)
            return index

    def nearest(self, vector: np.ndarray, k: int) -> Nearest:
        """Up to `k` visible rows nearest to `vector` `(dim,)`, best first.

        Returns:
            `(scores, seqs, row_ids, exact)`: arrays `(m,)` with `m <= k`, and whether the
            scores are exact inner products.
        """
        with self.lock:
            index = self.sync()
            rows = self.rows
            empty = np.zeros(0, np.float32), np.zeros(0, np.int64), np.zeros(0, np.int64)
            if index.ntotal == 0 or rows.chunks == 0:
                return (*empty, index.exact_scores)
            clean = rows.hidden == 0 and index.ntotal == rows.count_at_most(index.max_seq)
            fetch = min(index.ntotal, k if clean else 2 * k)
            while True:
                scores, seqs = index.search(vector[None, :], fetch)  # (1, fetch) each
                keep = seqs[0] >= 0
                scores, seqs = scores[0][keep], seqs[0][keep]
                row_ids = rows.locate(seqs)
                live = row_ids >= 0
                if live.sum() >= k or fetch >= index.ntotal:
                    break
                fetch = min(index.ntotal, fetch * 4)
            return scores[live][:k], seqs[live][:k], row_ids[live][:k], index.exact_scores

    def next_seqs(self, n: int) -> np.ndarray:
        """`n` fresh row numbers above every seq ever stored or indexed (writer only)."""
        with self.lock:
            rows = self.rows
            top = rows.seqs[-1] if rows is not None and len(rows.seqs) else -1
            if self.index is not None:
                top = max(top, self.index.max_seq)
            start = max(int(top) + 1, time.time_ns() // 1000, self._last_seq + 1)
            self._last_seq = start + n - 1
            return np.arange(start, start + n, dtype=np.int64)

    def read_vectors(self, where: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Retrieval vectors `(n, dim)` and their seqs `(n,)`, of the rows `where` selects.

        Raises:
            StoreCorruptError: The rows cannot be read, or some vectors are not finite unit
                vectors (damaged data).
        """
        with reading(self.folder, "chunks table vectors"):
            query = self.table.search().select(["seq", "vector"]).limit(None)
            if where:
                query = query.where(where)
            table = query.to_arrow()
        if table.num_rows == 0:
            return np.zeros((0, self.dim), np.float32), np.zeros(0, np.int64)
        vectors = table["vector"].combine_chunks().flatten().to_numpy(zero_copy_only=False)
        vectors = vectors.reshape(-1, self.dim)
        bad = int(bad_vectors(vectors).sum())
        if bad:
            raise damaged(self.folder, f"{bad} chunk rows hold retrieval vectors that are not unit")
        return vectors, table["seq"].to_numpy().astype(np.int64)

    def _load(self) -> VectorIndex | None:
        try:
            return VectorIndex.load(self.folder, self.config, dim=self.dim)
        except IndexLoadError as error:
            logger.info("rebuilding the FAISS index: %s", error)
            return None

    def _stale(self, index: VectorIndex, rows: Snapshot, persist: bool) -> bool:
        """Whether `index` must be rebuilt: rows it lacks, too many dead, or the wrong kind."""
        dead = index.ntotal - rows.count_at_most(index.max_seq)
        wrong_kind = persist and index.kind != self.config.resolve_kind(len(rows.seqs))
        too_dead = dead > self.config.rebuild_dead_fraction * max(index.ntotal, 1)
        return dead < 0 or too_dead or wrong_kind

    @staticmethod
    def _appended(index: VectorIndex, rows: Snapshot) -> bool:
        """Whether rows were appended above the index's last seq since it was synced."""
        seqs = rows.seqs
        moved = index.table_version != rows.chunks_version
        return bool(moved and len(seqs) and seqs[-1] > index.max_seq)
