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
from mnemonic.exceptions import ConfigError
from mnemonic.index_sync import IndexSync
from mnemonic.schema import Chunk, Hit

__all__ = [
    "HIT_COLUMNS",
    "chunk_from_record",
    "hit_from_record",
    "search_faiss",
    "search_ids",
    "search_lance",
]

HIT_COLUMNS = ["id", "seq", "doc_id", "chunk_index", "text", "text_tokens", "metadata"]


def search_faiss(sync: IndexSync, vector: np.ndarray, k: int, columns: list[str]) -> list[Hit]:
    """The `k` nearest live rows by the FAISS index, reading `columns` of each."""
    index = sync.sync()
    rows = sync.rows
    if index.ntotal == 0 or len(rows.seqs) == 0:
        return []
    fetch = min(index.ntotal, k if index.ntotal == rows.count_at_most(index.max_seq) else 2 * k)
    while True:
        scores, seqs = index.search(vector[None, :], fetch)  # (1, fetch) each
        keep = seqs[0] >= 0
        scores, seqs = scores[0][keep], seqs[0][keep]
        row_ids = rows.locate(seqs)
        live = row_ids >= 0
        if live.sum() >= k or fetch >= index.ntotal:
            break
        fetch = min(index.ntotal, fetch * 4)
    scores, row_ids = scores[live][:k], row_ids[live][:k]
    if len(row_ids) == 0:
        return []
    table = sync.table.take_row_ids([int(r) for r in row_ids]).select(columns).with_row_id()
    table = table.to_arrow()
    by_row = {int(r): i for i, r in enumerate(table["_rowid"].to_pylist())}
    records = table.to_pylist()
    return [
        hit_from_record(records[by_row[int(r)]], float(s))
        for r, s in zip(row_ids, scores, strict=True)
        if int(r) in by_row
    ]


def search_lance(
    table: Any, vector: np.ndarray, k: int, where: str, columns: list[str]
) -> list[Hit]:
    """The `k` nearest rows among those `where` selects, exactly (LanceDB, filter first)."""
    table.checkout_latest()
    try:
        result = (
            table.search(vector, vector_column_name="vector")
            .distance_type("cosine")
            .where(where, prefilter=True)
            .select([*columns, "_distance"])
            .limit(k)
            .to_arrow()
        )
    except (ValueError, RuntimeError, OSError) as error:
        raise ConfigError(f"invalid filter {where!r}: {error}") from error
    return [hit_from_record(r, 1.0 - float(r["_distance"])) for r in result.to_pylist()]


def search_ids(
    table: Any, ids: list[str], vector: np.ndarray, where: str | None, columns: list[str]
) -> list[Hit]:
    """The live rows among `ids` (and `where`), each scored by cosine to `vector`, best first."""
    from mnemonic.store import sql_quote

    if not ids:
        return []
    table.checkout_latest()
    predicate = f"id IN ({', '.join(sql_quote(i) for i in ids)})"
    if where:
        predicate = f"({predicate}) AND ({where})"
    query = table.search().where(predicate).select([*columns, "vector"]).limit(None)
    try:
        result = query.to_arrow()
    except (ValueError, RuntimeError, OSError) as error:
        raise ConfigError(f"invalid filter {where!r}: {error}") from error
    if result.num_rows == 0:
        return []
    vectors = result["vector"].combine_chunks().flatten().to_numpy(zero_copy_only=False)
    cosines = vectors.reshape(result.num_rows, -1) @ vector  # (n,)
    records = result.drop_columns(["vector"]).to_pylist()
    hits = [hit_from_record(r, float(c)) for r, c in zip(records, cosines, strict=True)]
    return sorted(hits, key=lambda hit: -hit.score)


def _metadata(raw: str | None) -> dict[str, Any]:
    return json.loads(raw) if raw else {}


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
