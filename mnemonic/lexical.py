"""The lexical index beside the FAISS vectors: LanceDB's own full-text (BM25) index on `text`.

Dense retrieval misses exact names, codes and rare words ("Zorbulax juice"); a BM25 index
finds them. The index is LanceDB's native inverted index (`lancedb.index.FTS`: lower-cased,
English stemming, stop words out), stored inside the `chunks` dataset, so it is committed
with the table version it was built at and needs no sidecar file or checksum of its own:

- rows appended after the index was built are searched too (LanceDB scans the unindexed
  fragments), so a search never misses a committed row;
- deleted rows are never returned (LanceDB applies the deletion files);
- `refresh_lexical_index` (called under the writer lock after ingest, delete and compact:
  the hooks marked `# lexical index` in `mnemonic/store.py` and `mnemonic/ingest.py`)
  builds the index when missing and rebuilds it once more than `REINDEX_SHARE` of the rows
  are unindexed. A kill during a rebuild leaves the previous table version, whose index is
  whole.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from mnemonic.filters import filter_error

__all__ = [
    "LEXICAL_COLUMN",
    "REINDEX_SHARE",
    "has_lexical_index",
    "refresh_lexical_index",
    "search_lexical",
]

logger = logging.getLogger(__name__)

LEXICAL_COLUMN = "text"
REINDEX_SHARE = 0.2  # rebuild once this share of the rows is not in the index yet
_INDEX_NAME = "text_idx"


def _fts_config() -> Any:
    from lancedb.index import FTS

    return FTS(with_position=False, stem=True, remove_stop_words=True, lower_case=True)


def _index_stats(table: Any) -> tuple[bool, int, int]:
    """`(exists, indexed rows, unindexed rows)` of the full-text index on `text`."""
    for index in table.list_indices():
        if index.index_type == "FTS" and LEXICAL_COLUMN in index.columns:
            stats = table.index_stats(index.name)
            if stats is None:
                return True, 0, table.count_rows()
            return True, stats.num_indexed_rows, stats.num_unindexed_rows
    return False, 0, table.count_rows()


def has_lexical_index(table: Any) -> bool:
    """Whether `table` has its full-text index on `text`."""
    table.checkout_latest()
    return any(i.index_type == "FTS" and LEXICAL_COLUMN in i.columns for i in table.list_indices())


def refresh_lexical_index(table: Any, *, force: bool = False) -> bool:
    """Build the full-text index when missing or too stale; returns whether it was (re)built.

    Args:
        table: The store's LanceDB `chunks` table (the caller holds the writer lock).
        force: Rebuild even when the index is current (after `compact`).
    """
    table.checkout_latest()
    exists, indexed, unindexed = _index_stats(table)
    if indexed + unindexed == 0 and not exists:
        return False  # nothing to index yet; an empty table is searched as empty
    stale = unindexed > REINDEX_SHARE * max(indexed + unindexed, 1)
    if exists and not stale and not force:
        return False
    table.create_index(LEXICAL_COLUMN, config=_fts_config(), replace=True)
    logger.debug("built the full-text index over %d rows", indexed + unindexed)
    return True


def search_lexical(
    table: Any,
    query: str,
    k: int,
    where: str | None,
    columns: list[str],
    vector: np.ndarray,
) -> list[tuple[dict[str, Any], float, float]] | None:
    """The `k` rows whose text best matches `query` (BM25), best first.

    Returns `(record, bm25, cosine)` triples: the record holds `columns`; `cosine` is the
    row's retrieval vector against `vector`, so every hit carries the same similarity
    whichever index found it. None when the table has no full-text index (yet): the
    caller decides what that means (`MnemonicStore.search_by_vector`).

    Raises:
        ConfigError: `where` is not a valid filter.
    """
    if not query.strip():
        return []
    if not has_lexical_index(table):  # reads the latest version's indices
        return None
    search = table.search(query, query_type="fts", fts_columns=LEXICAL_COLUMN)
    if where:
        search = search.where(where, prefilter=True)
    try:
        select = list(dict.fromkeys([*columns, "vector"]))
        result = search.select([*select, "_score"]).limit(k).to_arrow()
    except (ValueError, RuntimeError, OSError) as error:
        if where:
            raise filter_error(where, error) from None
        raise
    if result.num_rows == 0:
        return []
    vectors = result["vector"].combine_chunks().flatten().to_numpy(zero_copy_only=False)
    cosines = vectors.reshape(result.num_rows, -1) @ vector  # (n,)
    scores = result["_score"].to_pylist()
    dropped = ["_score"] if "vector" in columns else ["vector", "_score"]
    records = result.drop_columns(dropped).to_pylist()
    return [
        (record, float(score), float(cosine))
        for record, score, cosine in zip(records, scores, cosines, strict=True)
    ]
