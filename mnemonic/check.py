"""`hyperword store check`: read every file of a store and say what is damaged.

The cheap checks every reader runs (`Snapshot`: row counts against `documents`, table
versions against `commit.json`) plus a full read of both tables: every chunk row's content
hash, retrieval vector (finite, unit norm), token count, metadata and stored level values
(every level in `hyperword.levels.stored_levels()`), and the FAISS index file against its
checksum. Nothing is written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hyperword.levels import stored_levels
from mnemonic.commit import COMMIT_RECORD
from mnemonic.exceptions import IndexLoadError, StoreError
from mnemonic.integrity import is_panic, row_problem, short_error
from mnemonic.manifest import MANIFEST, StoreManifest
from mnemonic.salvage import salvage
from mnemonic.snapshot import read_snapshot

__all__ = ["StoreHealth", "check_store", "chunk_row_problem", "derived_problems"]

TABLES = ("chunks", "documents")


@dataclass(frozen=True)
class StoreHealth:
    """What `check_store` found.

    Attributes:
        path: The store folder.
        documents: Committed documents (as far as they could be read).
        chunks: Chunk rows of committed versions.
        hidden: Rows of versions that are not committed (never served; removed by the next
            write).
        problems: Damage: searching refuses to answer until `repair` fixes it.
        notes: Things that are fine but worth knowing (an index rebuilt on the next search).
    """

    path: str
    documents: int = 0
    chunks: int = 0
    hidden: int = 0
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    bad_rows: int = field(default=0, repr=False)

    @property
    def ok(self) -> bool:
        return not self.problems


def chunk_row_problem(record: dict[str, Any], *, chunk_tokens: int) -> str | None:
    """`row_problem` plus the columns only a full check reads (None when the row checks out)."""
    problem = row_problem(record)
    if problem is not None:
        return problem
    tokens = record.get("text_tokens")
    if not isinstance(tokens, int) or not 0 <= tokens <= chunk_tokens:
        return f"chunk {record['id']!r} has a token count of {tokens!r}"
    try:
        if record.get("metadata") is not None:
            json.loads(record["metadata"])
    except ValueError:
        return f"chunk {record['id']!r} has metadata that is not JSON"
    for level in stored_levels():
        raw = record.get(level.column)
        if raw is not None and not _level_value_ok(level.column_type, raw):
            return f"chunk {record['id']!r} has a damaged {level.name} value"
    return None


def _level_value_ok(column_type: str | None, raw: Any) -> bool:
    if column_type == "ids":
        return all(isinstance(i, int) and i >= 0 for i in raw)
    rows = [np.asarray(row, dtype=np.float32) for row in raw]
    return len({len(r) for r in rows}) <= 1 and all(np.isfinite(r).all() for r in rows)


def check_store(path: str | Path) -> StoreHealth:
    """Check a store folder without writing to it (see the module doc)."""
    import lancedb

    folder = Path(path)
    if not (folder / MANIFEST).is_file():
        return StoreHealth(str(folder), problems=(f"no {MANIFEST}: not a store, or it was lost",))
    try:
        manifest = StoreManifest.load(folder)
    except StoreError as error:
        return StoreHealth(str(folder), problems=(str(error),))
    problems: list[str] = []
    notes: list[str] = []
    db = lancedb.connect(str(folder))
    present = set(db.list_tables().tables)
    missing = [name for name in TABLES if name not in present]
    if missing:
        problems.append(f"table {' and '.join(missing)} is missing")
    counts = {"documents": 0, "chunks": 0, "hidden": 0}
    if not missing:
        _check_tables(db, folder, manifest, problems, counts)
        problems.extend(derived_problems(db, present))
    notes.extend(_index_notes(folder, manifest.embedding_dim))
    if not (folder / COMMIT_RECORD).is_file():
        notes.append(f"no {COMMIT_RECORD} yet (written at the next commit)")
    if counts["hidden"]:
        notes.append(f"{counts['hidden']} rows of uncommitted versions (removed by the next write)")
    return StoreHealth(
        str(folder),
        documents=counts["documents"],
        chunks=counts["chunks"],
        hidden=counts["hidden"],
        problems=tuple(problems),
        notes=tuple(notes),
    )


def _check_tables(
    db: Any, folder: Path, manifest: StoreManifest, problems: list[str], counts: dict[str, int]
) -> None:
    try:
        chunks, documents = db.open_table("chunks"), db.open_table("documents")
        snapshot = read_snapshot(chunks, documents, folder)
    except StoreError as error:
        problems.append(str(error))
        return
    except Exception as error:  # LanceDB fails in many ways on bad files
        problems.append(f"the tables cannot be opened: {short_error(error)}")
        return
    problems.extend(snapshot.problems)
    counts.update(documents=snapshot.documents, chunks=snapshot.chunks, hidden=snapshot.hidden)
    stored = chunks.schema.field("vector").type.list_size
    if stored != manifest.embedding_dim:
        problems.append(f"store.json says embedding_dim {manifest.embedding_dim}, rows {stored}")
    chunk_tokens = int(manifest.chunking.get("chunk_tokens", 0))
    for name in ("chunks", "documents"):
        for salvaged in salvage(db, folder, name):
            if salvaged.version != (chunks if name == "chunks" else documents).version:
                problems.append(f"the newest version of table {name} cannot be read")
            if salvaged.lost:
                problems.append(
                    f"{salvaged.lost} rows of table {name} cannot be read ({salvaged.error})"
                )
            if name == "chunks":
                _check_chunk_rows(salvaged.rows.to_pylist(), chunk_tokens, problems)


def derived_problems(db: Any, present: set[str]) -> list[str]:
    """Damage in what the store derives from its chunks (the link table, the full-text
    index): `repair` rebuilds both from the chunks."""
    from mnemonic.lexical import LEXICAL_COLUMN, has_lexical_index
    from mnemonic.links import LINKS

    problems = []
    try:
        chunks = db.open_table("chunks")
        rows = chunks.count_rows()
        if has_lexical_index(chunks):
            chunks.search("a", query_type="fts", fts_columns=LEXICAL_COLUMN).limit(1).to_arrow()
        elif rows:
            problems.append("the full-text index is missing")
    except BaseException as error:  # LanceDB fails in many ways on bad files, panics too
        if not isinstance(error, Exception) and not is_panic(error):
            raise
        problems.append(f"the full-text index cannot be read: {short_error(error)}")
        rows = 1
    if LINKS not in present:
        if rows:
            problems.append("the link table is missing")
        return problems
    try:
        db.open_table(LINKS).to_arrow()
    except BaseException as error:
        if not isinstance(error, Exception) and not is_panic(error):
            raise
        problems.append(f"the link table cannot be read: {short_error(error)}")
    return problems


def _check_chunk_rows(
    records: list[dict[str, Any]], chunk_tokens: int, problems: list[str]
) -> None:
    bad = [p for r in records if (p := chunk_row_problem(r, chunk_tokens=chunk_tokens))]
    if bad:
        problems.append(f"{len(bad)} chunk rows are damaged, e.g. {bad[0]}")


def _index_notes(folder: Path, dim: int) -> list[str]:
    from mnemonic.index_file import load_index

    try:
        load_index(folder, dim=dim)
    except IndexLoadError as error:
        return [f"FAISS index: {error} (rebuilt from the table on the next search)"]
    return []
