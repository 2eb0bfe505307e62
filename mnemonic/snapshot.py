"""What a reader sees: the rows of committed document versions, read at one point in time.

`read_snapshot` reads the `chunks` table's `seq`, `doc_id` and `doc_hash` (with LanceDB row
ids), then the `documents` table. A row is *visible* when its `(doc_id, doc_hash)` is the
committed version (see `mnemonic.commit`); every read path serves visible rows only. Reading
`chunks` first means a commit that lands in between only hides a document for a moment; it
never shows a version that is not committed.

The same read checks the store's bookkeeping, cheaply, on every snapshot: each committed
document has exactly as many visible rows as its `documents` row says, no `doc_id` is
committed twice, no `seq` is used twice, and neither table is older than `commit.json`.
What fails is listed in `Snapshot.problems`; the store refuses to answer from such a snapshot
(`StoreCorruptError`) rather than answer without the rows it lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mnemonic.commit import CommitRecord
from mnemonic.integrity import damaged, reading

__all__ = ["Snapshot", "read_snapshot"]

_ATTEMPTS = 3  # reads until `chunks` holds still across one (a writer may be committing)


@dataclass(frozen=True)
class Snapshot:
    """Every row of `chunks` at one version, sorted by `seq`, and which ones readers see.

    Attributes:
        chunks_version, documents_version: The table versions read.
        seqs: `(n,)` int64, sorted: every row's `seq` (its FAISS id).
        row_ids: `(n,)` uint64: the LanceDB row id of each of `seqs`.
        visible: `(n,)` bool: the row belongs to a committed document version.
        documents: Committed documents.
        problems: Damage found (empty when the store checks out).
    """

    chunks_version: int
    documents_version: int
    seqs: np.ndarray
    row_ids: np.ndarray
    visible: np.ndarray
    documents: int
    problems: tuple[str, ...] = ()

    @property
    def chunks(self) -> int:
        """Visible rows."""
        return int(self.visible.sum())

    @property
    def hidden(self) -> int:
        """Rows of versions that are not committed (being written, superseded, or left by a
        crash); never served, removed by the next write."""
        return len(self.seqs) - self.chunks

    def locate(self, seqs: np.ndarray) -> np.ndarray:
        """Row ids `(m,)` int64 of `seqs`; -1 where a seq is not in the table or not visible."""
        if len(self.seqs) == 0:
            return np.full(len(seqs), -1, np.int64)
        pos = np.clip(np.searchsorted(self.seqs, seqs), 0, len(self.seqs) - 1)
        found = (self.seqs[pos] == seqs) & self.visible[pos]
        return np.where(found, self.row_ids[pos].astype(np.int64), -1)

    def count_at_most(self, seq: int) -> int:
        """Rows (visible or not) with `seq` at most `seq`."""
        return int(np.searchsorted(self.seqs, seq, side="right"))

    def is_current(self, chunks_version: int, documents_version: int) -> bool:
        return (self.chunks_version, self.documents_version) == (chunks_version, documents_version)

    def raise_if_damaged(self, folder: str | Path) -> None:
        """`StoreCorruptError` naming the first problem, if any."""
        if self.problems:
            more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
            raise damaged(folder, self.problems[0] + more)


def read_snapshot(chunks: Any, documents: Any, folder: str | Path) -> Snapshot:
    """Read what readers see now (see the module doc).

    Raises:
        StoreCorruptError: A table cannot be read.
    """
    record = CommitRecord.read(Path(folder))  # before the tables: they can only be newer
    with reading(folder, "chunks and documents tables"):
        for _ in range(_ATTEMPTS):
            chunks.checkout_latest()
            version = chunks.version
            rows = chunks.search().select(["seq", "doc_id", "doc_hash"]).with_row_id(True)
            rows = rows.limit(None).to_arrow()
            documents.checkout_latest()
            doc_version = documents.version
            docs = documents.search().select(["doc_id", "doc_hash", "chunks"]).limit(None)
            docs = docs.to_arrow()
            chunks.checkout_latest()
            stable = chunks.version == version  # nothing written to chunks while we read
            if stable:
                break
    return _build(version, doc_version, rows, docs, record, check_counts=stable)


def _keys(table: pa.Table) -> pa.Array:
    """`doc_id \\x1f doc_hash` per row."""
    return pc.binary_join_element_wise(
        table["doc_id"].combine_chunks(), table["doc_hash"].combine_chunks(), "\x1f"
    )


def _build(
    version: int,
    doc_version: int,
    rows: pa.Table,
    docs: pa.Table,
    record: CommitRecord | None,
    *,
    check_counts: bool,
) -> Snapshot:
    keys, doc_keys = _keys(rows), _keys(docs)
    visible = pc.is_in(keys, value_set=doc_keys).to_numpy(zero_copy_only=False)
    visible = np.asarray(visible, dtype=bool)
    visible_keys = keys.filter(pa.array(visible))
    seqs = rows["seq"].to_numpy().astype(np.int64)
    row_ids = rows["_rowid"].to_numpy().astype(np.uint64)
    order = np.argsort(seqs, kind="stable")
    seqs, row_ids, visible = seqs[order], row_ids[order], visible[order]
    problems = []
    if record is not None and (
        version < record.chunks_version or doc_version < record.documents_version
    ):
        problems.append(
            f"its tables are at versions {version}/{doc_version} (chunks/documents), older "
            f"than the last commit ({record.chunks_version}/{record.documents_version}): "
            "table versions were lost"
        )
    if len(seqs) > 1 and bool((np.diff(seqs) == 0).any()):
        problems.append("two chunk rows share a seq")
    if pc.count_distinct(docs["doc_id"]).as_py() != docs.num_rows:
        problems.append("a document is committed twice")
    if check_counts:
        problems.extend(_count_problems(visible_keys, docs))
    return Snapshot(
        chunks_version=version,
        documents_version=doc_version,
        seqs=seqs,
        row_ids=row_ids,
        visible=visible,
        documents=docs.num_rows,
        problems=tuple(problems),
    )


def _count_problems(visible_keys: pa.Array, docs: pa.Table) -> list[str]:
    """Committed documents whose visible rows are not as many as their `chunks` says."""
    if docs.num_rows == 0:
        return []
    counted = pa.table({"key": visible_keys}).group_by("key").aggregate([("key", "count")])
    expected = pa.table({"key": _keys(docs), "doc_id": docs["doc_id"], "want": docs["chunks"]})
    joined = expected.join(counted, "key", join_type="left outer")
    have = pc.fill_null(joined["key_count"], 0)
    bad = pc.not_equal(have, pc.cast(joined["want"], pa.int64()))
    n_bad = pc.sum(bad).as_py() or 0
    if not n_bad:
        return []
    wrong = joined.filter(bad).slice(0, 1).to_pylist()[0]
    return [
        f"{n_bad} committed document(s) do not have their chunk rows, e.g. "
        f"{wrong['doc_id']!r} has {wrong['key_count'] or 0} of {wrong['want']}"
    ]
