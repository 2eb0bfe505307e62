"""The link table: each chunk's entities, and for each entity the chunks that mention it.

A store's `links` LanceDB table (beside `chunks` and `documents`) holds one row per
(chunk, entity): `chunk_id, doc_id, key, text, kind` (`mnemonic.entities`). Read one way it
is each chunk's entities; read the other way (by `key`) it is the chunks an entity links,
so a question that needs two documents can walk from one to the next
(`orchestrator.linked`).

The table is derived from the chunks, like the FAISS index: `chunk_links(rows)` turns chunk
rows into link rows (the function any ingest calls: the single-process one and a
distributed one alike), and `LinkTable.sync(chunks)` reconciles the table with the live
chunks, adding the links of chunks that have none and deleting those of chunks that are
gone. Every chunk has at least its title's link, so "has no links" means "not linked yet".
The sync runs under the writer lock after every ingest, delete and compact (the hooks
marked `# link table` in `mnemonic/store.py` and `mnemonic/ingest.py`); a kill before it
ends leaves links that the next write's sync completes, and readers only follow links to
chunks that are live, so a stale link is never served.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from mnemonic.entities import LINKING_KINDS, Entity, extract_entities, title_of

__all__ = ["LINKS", "LinkTable", "Neighbour", "chunk_links", "links_schema"]

LINKS = "links"
_BATCH = 500  # ids per IN (...) predicate


def links_schema() -> pa.Schema:
    """Schema of the `links` table (one row per chunk and entity)."""
    return pa.schema(
        [
            pa.field("chunk_id", pa.string(), nullable=False),
            pa.field("doc_id", pa.string(), nullable=False),
            pa.field("key", pa.string(), nullable=False),  # entities.entity_key
            pa.field("text", pa.string(), nullable=False),  # as first written in the chunk
            pa.field("kind", pa.string(), nullable=False),  # entities.ENTITY_KINDS
        ]
    )


def chunk_links(rows: Iterable[dict[str, Any]]) -> pa.Table:
    """Link rows for chunk rows (`id`, `doc_id`, `text`, `metadata` as JSON or a dict)."""
    records = []
    for row in rows:
        metadata = row.get("metadata")
        if isinstance(metadata, str):
            metadata = json.loads(metadata) if metadata else {}
        title = title_of(row["doc_id"], metadata)
        for entity in extract_entities(row["text"], title=title):
            records.append(
                {
                    "chunk_id": row["id"],
                    "doc_id": row["doc_id"],
                    "key": entity.key,
                    "text": entity.text,
                    "kind": entity.kind,
                }
            )
    return pa.Table.from_pylist(records, schema=links_schema())


@dataclass(frozen=True)
class Neighbour:
    """A chunk linked to another through shared entities.

    Attributes:
        chunk_id: The linked chunk.
        doc_id: Its document.
        shared: The entities both chunks name (as written in the linked chunk).
        score: The shared entities' rarity, `sum(log(1 + chunks / chunks naming it))`.
    """

    chunk_id: str
    doc_id: str
    shared: tuple[str, ...]
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "chunk_id": self.chunk_id,
            "doc_id": self.doc_id,
            "shared": list(self.shared),
            "score": self.score,
        }


class LinkTable:
    """The `links` table of a store (see the module docstring)."""

    def __init__(self, table: Any):
        self.table = table

    @classmethod
    def open(cls, db: Any, *, create: bool = False) -> LinkTable | None:
        """The store's link table; None when it has none (a reader never creates it: the
        writer does, at `MnemonicStore.sync_lexical_and_links`)."""
        if LINKS not in db.list_tables().tables:
            if not create:
                return None
            return cls(db.create_table(LINKS, schema=links_schema(), exist_ok=True))
        return cls(db.open_table(LINKS))

    def count(self) -> int:
        """Link rows (0: the store has no links yet)."""
        self.table.checkout_latest()
        return self.table.count_rows()

    def sync(self, chunks: Any) -> tuple[int, int]:
        """Reconcile with the live rows of the `chunks` table; `(chunks linked, unlinked)`."""
        chunks.checkout_latest()
        self.table.checkout_latest()
        live = set(chunks.search().select(["id"]).limit(None).to_arrow()["id"].to_pylist())
        linked = set(self._column("chunk_id"))
        dead = sorted(linked - live)
        for batch in _batches(dead):
            self.table.delete(f"chunk_id IN ({_quoted(batch)})")
        new = sorted(live - linked)
        for batch in _batches(new):
            query = chunks.search().where(f"id IN ({_quoted(batch)})")
            rows = query.select(["id", "doc_id", "text", "metadata"]).limit(None).to_arrow()
            table = chunk_links(rows.to_pylist())
            if table.num_rows:
                self.table.add(table)
        return len(new), len(dead)

    def entities(self, chunk_ids: Sequence[str]) -> dict[str, list[Entity]]:
        """Each chunk's entities, in the order they were found (absent ids map to [])."""
        found: dict[str, list[Entity]] = {cid: [] for cid in chunk_ids}
        for row in self._rows("chunk_id", list(chunk_ids), ["chunk_id", "key", "text", "kind"]):
            found[row["chunk_id"]].append(Entity(row["key"], row["text"], row["kind"]))
        return found

    def chunks_naming(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Chunks that name any of `keys`: chunk id -> `{"doc_id", "keys": {key: text},
        "titles": {keys that are the chunk's own title}}`."""
        found: dict[str, dict[str, Any]] = {}
        columns = ["chunk_id", "doc_id", "key", "text", "kind"]
        for row in self._rows("key", sorted(set(keys)), columns):
            entry = found.setdefault(
                row["chunk_id"], {"doc_id": row["doc_id"], "keys": {}, "titles": set()}
            )
            entry["keys"].setdefault(row["key"], row["text"])
            if row["kind"] == "title":
                entry["titles"].add(row["key"])
        return found

    def neighbours(self, chunk_id: str, *, total: int, k: int = 10) -> list[Neighbour]:
        """The `k` chunks sharing the most (and rarest) names and titles with `chunk_id`.

        Args:
            chunk_id: The chunk whose neighbours are wanted.
            total: Chunks in the store (for the rarity weights).
            k: At most this many.
        """
        keys = [e.key for e in self.entities([chunk_id])[chunk_id] if e.kind in LINKING_KINDS]
        naming = self.chunks_naming(keys)
        frequency: dict[str, int] = defaultdict(int)
        for entry in naming.values():
            for key in entry["keys"]:
                frequency[key] += 1
        weights = {key: math.log(1 + total / count) for key, count in frequency.items()}
        found = [
            Neighbour(
                chunk_id=cid,
                doc_id=entry["doc_id"],
                shared=tuple(entry["keys"].values()),
                score=sum(weights[key] for key in entry["keys"]),
            )
            for cid, entry in naming.items()
            if cid != chunk_id
        ]
        found.sort(key=lambda n: (-n.score, n.doc_id, n.chunk_id))
        return found[:k]

    def _column(self, name: str) -> list[Any]:
        return self.table.search().select([name]).limit(None).to_arrow()[name].to_pylist()

    def _rows(self, column: str, values: list[str], columns: list[str]) -> list[dict[str, Any]]:
        self.table.checkout_latest()
        rows: list[dict[str, Any]] = []
        for batch in _batches(values):
            query = self.table.search().where(f"{column} IN ({_quoted(batch)})")
            rows += query.select(columns).limit(None).to_arrow().to_pylist()
        return rows


def _batches(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), _BATCH):
        yield values[start : start + _BATCH]


def _quoted(values: Iterable[str]) -> str:
    from mnemonic.store import sql_quote

    return ", ".join(sql_quote(v) for v in values)
