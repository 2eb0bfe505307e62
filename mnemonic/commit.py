"""The store's commit protocol: how a write becomes visible, and what a crash leaves behind.

A *document version* is `(doc_id, doc_hash)`. Every row kept per chunk (the `chunks` table,
and any table that joins the protocol, see `chunk_tables`) carries its version's `doc_id` and
`doc_hash`. One writer at a time (`MnemonicStore.writing`) goes through three steps:

1. **write** the rows of new versions, in as many appends as it likes (from one process or,
   for a distributed ingest, many workers). Nobody reads them yet.
2. **commit** them: one `merge_insert` of their rows into `documents`, one LanceDB commit,
   atomic (`commit_documents`). From then on readers see the new version of each document
   and no other version of it. `commit.json` then records the tables' versions.
3. **collect** the rows of versions that are not committed: superseded versions and any left
   by a crashed writer (`collect_garbage`). Readers already ignore them.

Deleting a document removes its `documents` row first (the commit), then its rows.

Readers (`mnemonic.snapshot`) read `chunks`, then `documents`, and serve a row only when its
version is the committed one, so a reader never sees a half-written or superseded version,
whatever was killed when. A crashed writer's rows stay in the table, unseen, until the next
write ends: a rerun of the same ingest resumes from them (chunk ids are content hashes), and
any write collects what is still uncommitted when it finishes.

`commit.json` (`CommitRecord`) lets a reader tell a store that lost its newest table versions
(a deleted `_versions` file, a folder restored from elsewhere) from one that never had them:
table versions only grow, so a table older than the record is damaged.
"""

from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from hyperword.config_io import write_json
from mnemonic.schema import documents_schema

if TYPE_CHECKING:
    from mnemonic.store import MnemonicStore

__all__ = [
    "COMMIT_RECORD",
    "CommitRecord",
    "DeleteReport",
    "collect_garbage",
    "commit_documents",
    "delete_documents",
    "sql_quote",
]

logger = logging.getLogger(__name__)

COMMIT_RECORD = "commit.json"
_DELETE_GROUP = 200  # document versions per DELETE predicate


def sql_quote(value: str) -> str:
    """A SQL string literal for LanceDB predicates."""
    return "'" + str(value).replace("'", "''") + "'"


@dataclass(frozen=True)
class CommitRecord:
    """The table versions right after the last commit (a lower bound on what must be there)."""

    chunks_version: int
    documents_version: int
    committed_at: float

    @classmethod
    def read(cls, folder: Path) -> CommitRecord | None:
        """The record in `folder`; None when absent or unreadable (logged: it is advisory)."""
        path = Path(folder) / COMMIT_RECORD
        try:
            data = json.loads(path.read_text())
            versions = (data["chunks_version"], data["documents_version"])
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in versions):
                raise ValueError(f"versions must be integers, got {versions}")
            return cls(*versions, committed_at=float(data.get("committed_at", 0.0)))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            logger.warning("ignoring the unreadable commit record %s: %s", path, error)
            return None

    def write(self, folder: Path) -> None:
        write_json(Path(folder) / COMMIT_RECORD, asdict(self), version=False)


def chunk_tables(store: MnemonicStore) -> dict[str, Any]:
    """Every table keyed by document version whose rows the protocol writes and collects.

    A new per-chunk table (a lexical index's rows, entity links) joins the protocol by being
    listed here: its rows carry `doc_id` and `doc_hash`, are written before the commit, are
    collected with the chunks, and readers keep only the rows `Snapshot` calls visible.
    """
    return {"chunks": store._chunks}


def record_commit(store: MnemonicStore) -> None:
    """Write `commit.json` with the tables' current versions (after a commit or a delete)."""
    record = CommitRecord(
        chunks_version=store._chunks.version,
        documents_version=store._documents.version,
        committed_at=time.time(),
    )
    record.write(store.path)


def commit_documents(store: MnemonicStore, records: Iterable[Mapping[str, Any]]) -> int:
    """Step 2: make document versions visible, one atomic commit. Returns how many.

    Args:
        store: The store, its writer lock held.
        records: `documents` rows (`doc_id, doc_hash, chunks, source, metadata,
            ingested_at`); every row of each version must already be written.
    """
    latest = {record["doc_id"]: dict(record) for record in records}  # the last one wins
    if not latest:
        return 0
    table = pa.Table.from_pylist(list(latest.values()), schema=documents_schema())
    (
        store._documents.merge_insert("doc_id")
        .when_matched_update_all()
        .when_not_matched_insert_all()
        .execute(table)
    )
    record_commit(store)
    return len(latest)


@dataclass(frozen=True)
class DeleteReport:
    """What a delete removed: documents (committed ones) and chunk rows (of any version)."""

    documents: int
    chunks: int


def delete_documents(store: MnemonicStore, doc_ids: Iterable[str]) -> DeleteReport:
    """Remove documents: their `documents` rows (the commit), then their rows everywhere."""
    doc_ids = sorted(set(doc_ids))
    documents = chunks = 0
    for start in range(0, len(doc_ids), _DELETE_GROUP):
        group = doc_ids[start : start + _DELETE_GROUP]
        predicate = f"doc_id IN ({', '.join(map(sql_quote, group))})"
        documents += store._documents.count_rows(predicate)
        store._documents.delete(predicate)
        record_commit(store)
        chunks += store._chunks.count_rows(predicate)
        for table in chunk_tables(store).values():
            table.delete(predicate)
    return DeleteReport(documents, chunks)


def collect_garbage(
    store: MnemonicStore,
    committed: Mapping[str, str],
    present: MutableMapping[tuple[str, str], set[str]],
    doc_ids: set[str] | None = None,
) -> int:
    """Step 3: delete rows of versions that are not committed. Returns versions collected.

    Args:
        store: The store, its writer lock held.
        committed: doc_id -> committed doc_hash.
        present: `(doc_id, doc_hash)` -> chunk ids in the table (updated in place).
        doc_ids: Limit to these documents (None: every document).
    """
    stale: dict[str, set[str]] = defaultdict(set)
    versions = present.keys() if doc_ids is None else [v for v in present if v[0] in doc_ids]
    for doc_id, doc_hash in versions:
        if committed.get(doc_id) != doc_hash:
            stale[doc_id].add(doc_hash)
    items = sorted(stale.items())
    for start in range(0, len(items), _DELETE_GROUP):
        group = items[start : start + _DELETE_GROUP]
        predicate = " OR ".join(
            f"(doc_id = {sql_quote(d)} AND doc_hash IN ({', '.join(map(sql_quote, sorted(h)))}))"
            for d, h in group
        )
        for table in chunk_tables(store).values():
            table.delete(predicate)
    for doc_id, hashes in stale.items():
        for doc_hash in hashes:
            present.pop((doc_id, doc_hash), None)
    return sum(len(h) for h in stale.values())
