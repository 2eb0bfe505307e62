"""What a repair keeps: the rows that read back whole, grouped into complete document versions.

`plan_repair` salvages both tables (`mnemonic.salvage`): `documents` from its newest readable
version, `chunks` from its newest few (a chunk row is a fact about one document version, so
rows found in any version may be kept; versions that end up uncommitted are simply not
kept). Each row must pass the full row check (`chunk_row_problem`). Then, per document:

- a committed document whose version has all its rows, each exactly once, is **kept**;
- a committed document missing rows is **lost**: re-ingested from its source if it has one;
- when `documents` itself lost rows, rows of a document with no `documents` row are
  **recommitted** if they form a whole version at the newest readable version of `chunks`
  (chunk indices 0..n-1; the newest such version when there are several). A deleted
  document whose rows were still there (its deletion not yet collected) comes back too: the
  lost `documents` rows cannot say which ones were deleted.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from mnemonic.check import chunk_row_problem
from mnemonic.salvage import salvage, table_versions
from mnemonic.schema import chunks_schema, documents_schema

__all__ = ["RepairPlan", "plan_repair"]

CHUNK_VERSIONS = 8  # newest versions of `chunks` read for rows the newest one lost


@dataclass
class RepairPlan:
    """The rows a repair writes back, and the documents it could not keep."""

    chunks: pa.Table
    documents: pa.Table
    kept: list[str] = field(default_factory=list)
    recommitted: list[str] = field(default_factory=list)
    lost: list[dict[str, Any]] = field(default_factory=list)  # documents rows
    rows_read: int = 0
    rows_unreadable: int = 0


def plan_repair(
    db: Any, folder: Path, *, dim: int, chunk_tokens: int, quarantine: Path
) -> RepairPlan:
    """Salvage, check and group the rows of the store in `folder`.

    Only unreadable newest manifests are written: moved to `quarantine` (see `salvage`).
    """
    documents, documents_whole = _salvage_documents(db, folder, quarantine)
    chunks, newest, schema, unreadable = _salvage_chunks(db, folder, dim, chunk_tokens, quarantine)
    versions: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in chunks:
        versions[row["doc_id"], row["doc_hash"]].append(row)
    plan = RepairPlan(chunks=schema.empty_table(), documents=documents_schema().empty_table())
    keep_docs, keep_rows = [], []
    for doc in documents:
        rows = versions.get((doc["doc_id"], doc["doc_hash"]), [])
        if _whole(rows, doc["chunks"]):
            plan.kept.append(doc["doc_id"])
            keep_docs.append(doc)
            keep_rows.extend(rows)
        else:
            plan.lost.append(doc)
    known = {doc["doc_id"] for doc in documents}
    orphans = [] if documents_whole else _orphans(versions, known, newest)
    for doc, rows in orphans:
        plan.recommitted.append(doc["doc_id"])
        keep_docs.append(doc)
        keep_rows.extend(rows)
    keep_rows.sort(key=lambda row: row["seq"])
    for seq, row in enumerate(keep_rows):  # fresh, unique seqs in the old order
        row["seq"] = seq
    plan.chunks = pa.Table.from_pylist(keep_rows, schema=schema)
    plan.documents = pa.Table.from_pylist(keep_docs, schema=documents_schema())
    plan.rows_read, plan.rows_unreadable = len(chunks), unreadable
    return plan


def _whole(rows: list[dict[str, Any]], expected: int) -> bool:
    """Whether `rows` are chunk indices 0..expected-1, each once."""
    return sorted(row["chunk_index"] for row in rows) == list(range(expected))


def _salvage_documents(db: Any, folder: Path, quarantine: Path) -> tuple[list[dict], bool]:
    """The newest readable `documents` rows, one per doc_id (the latest ingested), and
    whether they are whole (the newest version, every row read)."""
    newest = next(iter(table_versions(folder, "documents")), (None, None))[0]
    for salvaged in salvage(db, folder, "documents", quarantine=quarantine):
        rows = salvaged.rows.cast(documents_schema()).to_pylist()
        latest: dict[str, dict[str, Any]] = {}
        for row in sorted(rows, key=lambda r: r["ingested_at"] or 0.0):
            if isinstance(row["chunks"], int) and row["chunks"] >= 0:
                latest[row["doc_id"]] = row
        whole = salvaged.version == newest and not salvaged.lost
        return list(latest.values()), whole
    return [], False


def _salvage_chunks(
    db: Any, folder: Path, dim: int, chunk_tokens: int, quarantine: Path
) -> tuple[list[dict[str, Any]], set[str], pa.Schema, int]:
    """Checked chunk rows (one per chunk id) from the newest versions, the ids read at the
    newest readable one, their schema, and how many rows could not be read there."""
    rows: dict[str, dict[str, Any]] = {}
    newest: set[str] = set()
    schema, unreadable = None, 0
    found = salvage(db, folder, "chunks", versions=CHUNK_VERSIONS, quarantine=quarantine)
    for salvaged in found:
        first = schema is None
        if first:
            schema, unreadable = salvaged.rows.schema, salvaged.lost
        for row in salvaged.rows.cast(schema).to_pylist():
            if row["id"] not in rows and chunk_row_problem(row, chunk_tokens=chunk_tokens) is None:
                rows[row["id"]] = row
                if first:
                    newest.add(row["id"])
        if first and not unreadable:
            break  # the newest version read whole: older ones hold nothing it lacks
    return list(rows.values()), newest, schema or chunks_schema(dim), unreadable


def _orphans(
    versions: dict[tuple[str, str], list[dict[str, Any]]], known: set[str], newest: set[str]
) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Whole versions (read at the newest readable version of `chunks`) of documents with
    no `documents` row, each rebuilt into one (the newest version when there are several)."""
    best: dict[str, tuple[int, str, list[dict[str, Any]]]] = {}
    for (doc_id, doc_hash), rows in versions.items():
        if doc_id in known or not _whole(rows, len(rows)):
            continue
        if any(row["id"] not in newest for row in rows):
            continue
        last_seq = max(row["seq"] for row in rows)
        if doc_id not in best or last_seq > best[doc_id][0]:
            best[doc_id] = (last_seq, doc_hash, rows)
    now = time.time()
    out = []
    for doc_id, (_last_seq, doc_hash, rows) in sorted(best.items()):
        first = min(rows, key=lambda row: row["chunk_index"])
        metadata = json.loads(first["metadata"]) if first["metadata"] else {}
        source = metadata.get("source") if isinstance(metadata.get("source"), str) else None
        doc = {
            "doc_id": doc_id,
            "doc_hash": doc_hash,
            "chunks": len(rows),
            "source": source,
            "metadata": first["metadata"],
            "ingested_at": now,
        }
        out.append((doc, rows))
    return out
