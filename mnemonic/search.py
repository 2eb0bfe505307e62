"""The two search backends of a store, and the records they turn into `Hit`s and `Chunk`s.

Unfiltered searches go to the FAISS index (`IndexSync`); searches with a `where` filter go
to LanceDB's own exact search with the filter applied first, so a selective filter never
starves the results. Both read the hit columns and any requested level columns in one query.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from hyperword.levels import stored_levels
from hyperword.text_files import find_lone_surrogate
from mnemonic.exceptions import StoreCorruptError
from mnemonic.filters import filter_error, is_filter_error
from mnemonic.index_sync import IndexSync
from mnemonic.integrity import VERIFY_COLUMNS, damaged, reading, row_problem
from mnemonic.schema import Chunk, Hit

__all__ = [
    "HIT_COLUMNS",
    "chunk_from_record",
    "hit_from_record",
    "search_faiss",
    "search_ids",
    "search_lance",
    "verified",
]

HIT_COLUMNS = ["id", "seq", "doc_id", "chunk_index", "text", "text_tokens", "metadata"]
_ATTEMPTS = 3


def search_faiss(sync: IndexSync, vector: np.ndarray, k: int, columns: list[str]) -> list[Hit]:
    """The `k` nearest visible rows by the FAISS index, reading `columns` of each.

    Each row read is checked (`row_problem`). A row that moved (compaction by another
    process) refreshes the snapshot; an index that disagrees with the table is rebuilt from
    it; a row that fails its checks raises `StoreCorruptError`.
    """
    select = list(dict.fromkeys([*columns, *VERIFY_COLUMNS]))
    problem = "rows moved while reading"
    for attempt in range(_ATTEMPTS):
        scores, seqs, row_ids, exact = sync.nearest(vector, k)
        if len(row_ids) == 0:
            return []
        try:
            records = _take(sync, row_ids, select)
        except StoreCorruptError:
            if attempt == _ATTEMPTS - 1:
                raise
            sync.forget()
            continue
        if any(r is None or r["seq"] != s for r, s in zip(records, seqs, strict=True)):
            sync.forget()  # the rows moved (another process compacted): read again
            continue
        problem = _first_problem(records, vector if exact else None, scores)
        if problem is None:
            return [hit_from_record(r, float(s)) for r, s in zip(records, scores, strict=True)]
        if "scores chunk" not in problem:
            break  # the table's own rows are damaged
        sync.forget(index=True)  # the index disagrees with the table: rebuild it from there
    raise damaged(sync.folder, problem)


def _take(sync: IndexSync, row_ids: np.ndarray, columns: list[str]) -> list[dict | None]:
    """The rows with these LanceDB row ids, in order (None for a row id not found)."""
    with reading(sync.folder, "chunks table rows"):
        query = sync.table.take_row_ids([int(r) for r in row_ids]).select(columns)
        table = query.with_row_id().to_arrow()
    records = table.to_pylist()
    by_row = {int(r["_rowid"]): r for r in records}
    return [by_row.get(int(r)) for r in row_ids]


def _first_problem(
    records: list[dict[str, Any]], query: np.ndarray | None, scores: np.ndarray
) -> str | None:
    for record, score in zip(records, scores, strict=True):
        problem = row_problem(record, query=query, score=float(score))
        if problem is not None:
            return problem
    return None


def search_lance(
    sync: IndexSync, vector: np.ndarray, k: int, where: str, columns: list[str]
) -> list[Hit]:
    """The `k` nearest visible rows among those `where` selects, exactly (LanceDB, filter
    first), each checked like `search_faiss`'s."""
    rows = sync.snapshot()
    rows.raise_if_damaged(sync.folder)
    select = list(dict.fromkeys([*columns, *VERIFY_COLUMNS, "_distance"]))
    limit = k + rows.hidden  # hidden rows may take places in LanceDB's answer
    while True:
        result = _lance_query(sync, vector, where, select, limit)
        seqs = np.asarray([r["seq"] for r in result], np.int64)
        kept = [r for r, row in zip(result, rows.locate(seqs), strict=True) if row >= 0]
        if len(kept) >= k or len(result) < limit:
            break
        limit *= 2
    hits = []
    for record in kept[:k]:
        score = 1.0 - float(record["_distance"])
        problem = row_problem(record, query=vector, score=score)
        if problem is not None:
            raise damaged(sync.folder, problem)
        hits.append(hit_from_record(record, score))
    return hits


def _lance_query(
    sync: IndexSync, vector: np.ndarray, where: str, columns: list[str], limit: int
) -> list[dict[str, Any]]:
    with reading(sync.folder, "chunks table"):
        try:
            result = (
                sync.table.search(vector, vector_column_name="vector")
                .distance_type("cosine")
                .where(where, prefilter=True)
                .select(columns)
                .limit(limit)
                .to_arrow()
            )
        except (ValueError, RuntimeError, OSError) as error:
            # LanceDB's "Invalid input" (or a reason `filters` knows): the filter, not the data
            if isinstance(error, ValueError) or is_filter_error(error):
                raise filter_error(where, error) from None
            raise
    return result.to_pylist()


def verified(folder: Any, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`records` after `row_problem` (no score): `StoreCorruptError` on the first failure."""
    for record in records:
        problem = row_problem(record)
        if problem is not None:
            raise damaged(folder, problem)
    return records


def search_ids(
    sync: IndexSync, ids: list[str], vector: np.ndarray, where: str | None, columns: list[str]
) -> list[Hit]:
    """The visible rows among `ids` (and `where`), each scored by cosine to `vector`, best
    first (rows of uncommitted document versions are left out, as every read does)."""
    from mnemonic.commit import sql_quote

    if not ids:
        return []
    rows = sync.snapshot()
    table = sync.table
    predicate = f"id IN ({', '.join(sql_quote(i) for i in ids)})"
    if where:
        predicate = f"({predicate}) AND ({where})"
    select = list(dict.fromkeys([*columns, "seq", "vector"]))
    query = table.search().where(predicate).select(select).limit(None)
    try:
        result = query.to_arrow()
    except (ValueError, RuntimeError, OSError) as error:
        if where and (isinstance(error, ValueError) or is_filter_error(error)):
            raise filter_error(where, error) from None
        raise damaged(sync.folder, f"chunks table rows: {error}") from error
    seqs = np.asarray(result["seq"].to_pylist(), np.int64)
    result = result.filter(rows.locate(seqs) >= 0)
    if result.num_rows == 0:
        return []
    vectors = result["vector"].combine_chunks().flatten().to_numpy(zero_copy_only=False)
    cosines = vectors.reshape(result.num_rows, -1) @ vector  # (n,)
    records = result.drop_columns(["vector"]).to_pylist()
    hits = [hit_from_record(r, float(c)) for r, c in zip(records, cosines, strict=True)]
    return sorted(hits, key=lambda hit: -hit.score)


def _metadata(raw: str | None) -> dict[str, Any]:
    """A row's metadata; a lone surrogate stored before they were refused reads as `?`."""
    data = json.loads(raw) if raw else {}
    if find_lone_surrogate(data):
        text = json.dumps(data, ensure_ascii=False).encode("utf-8", "replace").decode("utf-8")
        data = json.loads(text)
    return data


def _stored(record: dict[str, Any]) -> dict[str, Any]:
    """The level values among `record`'s columns, as each level reads them."""
    return {
        level.name: level.from_column(record[level.column])
        for level in stored_levels()
        if level.column in record
    }


def hit_from_record(record: dict[str, Any], score: float) -> Hit:
    """A `Hit` from a row of the hit columns (and any level columns)."""
    return Hit(
        id=record["id"],
        doc_id=record["doc_id"],
        chunk_index=record["chunk_index"],
        score=score,
        text=record["text"],
        text_tokens=record["text_tokens"],
        metadata=_metadata(record["metadata"]),
        stored=_stored(record),
    )


def chunk_from_record(record: dict[str, Any]) -> Chunk:
    """A `Chunk` from a row of `get`'s columns."""
    return Chunk(
        id=record["id"],
        doc_id=record["doc_id"],
        chunk_index=record["chunk_index"],
        text=record.get("text"),
        text_tokens=record.get("text_tokens"),
        metadata=_metadata(record["metadata"]),
        stored=_stored(record),
    )
