"""The ingest pipeline: chunk, embed, encode, write; idempotent and resumable.

Each document carries a content hash. A document counts as stored once its row is in the
`documents` table, written only after all its chunks are; so:

- a document whose committed hash is unchanged is skipped (re-ingest is a no-op);
- a changed document gets its new chunks written first, then its `documents` row replaced,
  then its old chunks deleted: a crash at any point leaves the old or the new version whole;
- after a crash (even SIGKILL) a rerun skips chunks already written (chunk ids hash the
  document id, document hash, chunk index and text) and commits the document; rows of
  versions that never got committed are removed at the end of every run.

One process writes at a time (`MnemonicStore.writing`); others may search meanwhile. After
the rows are committed the FAISS index, the lexical index and the link table are brought up
to them (`MnemonicStore.sync_index`, `MnemonicStore.sync_lexical_and_links`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from tqdm.auto import tqdm

from hyperword.levels import LEVELS, stored_levels
from mnemonic.readers import SkippedInput, SourceDocument
from mnemonic.schema import documents_schema

if TYPE_CHECKING:
    from mnemonic.store import MnemonicStore

__all__ = ["IngestReport", "chunk_id", "run_ingest"]

logger = logging.getLogger(__name__)

_DELETE_GROUP = 200  # documents per DELETE predicate


@dataclass(frozen=True)
class IngestReport:
    """What one ingest run did."""

    documents_seen: int
    documents_written: int
    documents_unchanged: int
    chunks_written: int
    chunks_resumed: int  # chunks found already written by an interrupted run
    seconds: float
    skipped: list[SkippedInput] = field(default_factory=list)

    @property
    def chunks_per_second(self) -> float:
        return self.chunks_written / self.seconds if self.seconds > 0 else 0.0


def chunk_id(doc_id: str, doc_hash: str, index: int, text: str) -> str:
    """Content hash of a chunk (32 hex chars)."""
    digest = hashlib.sha256(f"{doc_id}\0{doc_hash}\0{index}\0".encode())
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:32]


@dataclass
class _PendingDoc:
    source: SourceDocument
    chunks: int


class _Pipeline:
    def __init__(self, store: MnemonicStore, *, progress: bool) -> None:
        self.store = store
        self.schema = store._chunks.schema  # its own columns (an older store lacks new levels')
        self.rows: list[dict[str, Any]] = []
        self.finished: list[_PendingDoc] = []  # chunked; commit after their rows are flushed
        self.written = self.resumed = self.docs_written = self.unchanged = self.seen = 0
        chunker = store.chunker  # load the tokenizer before the clock starts
        for encoder in store.encoders:  # e.g. hyperwords must extend the chunking tokenizer
            check = getattr(encoder, "check_base_tokenizer", None)
            if check is not None:
                check(chunker.tokenizer)
        self.bar = tqdm(
            desc="ingest", unit=" chunks", disable=not progress, dynamic_ncols=True, leave=True
        )
        self.committed = _committed_hashes(store)
        self.present = _present_chunks(store)  # (doc_id, doc_hash) -> chunk ids
        self.encoder_ids = self._encoder_json("id")
        self.encoder_versions = self._encoder_json("version")

    def _encoder_json(self, key: str) -> str | None:
        if not self.store.encoders:
            return None
        values = {e.level: getattr(e, key) for e in self.store.encoders}
        return json.dumps(values, sort_keys=True)

    def add(self, source: SourceDocument) -> None:
        self.seen += 1
        if self.committed.get(source.doc_id) == source.doc_hash:
            self.unchanged += 1
            return
        metadata = json.dumps(source.metadata, sort_keys=True, default=str)
        n = 0
        for chunk in self.store.chunker.chunk_blocks(source.blocks()):
            n += 1
            cid = chunk_id(source.doc_id, source.doc_hash, chunk.index, chunk.text)
            if cid in self.present.get((source.doc_id, source.doc_hash), ()):
                self.resumed += 1
                continue
            self.rows.append(
                {
                    "id": cid,
                    "doc_id": source.doc_id,
                    "doc_hash": source.doc_hash,
                    "chunk_index": chunk.index,
                    "text": chunk.text,
                    "text_tokens": chunk.tokens,
                    "metadata": metadata,
                }
            )
            if len(self.rows) >= self.store.flush_rows:
                self.flush()
        self.finished.append(_PendingDoc(source, n))
        if not self.rows:
            self.flush()

    def flush(self) -> None:
        rows, self.rows = self.rows, []
        if rows:
            self._write(rows)
        if self.finished:
            self._commit(self.finished)
            self.finished = []

    def _write(self, rows: list[dict[str, Any]]) -> None:
        texts = [r["text"] for r in rows]
        vectors = self.store.embed(texts)  # (n, dim)
        n = len(rows)
        columns: dict[str, Any] = {level.column: [None] * n for level in stored_levels()}
        for encoder in self.store.encoders:
            level = LEVELS[encoder.level]
            columns[level.column] = [level.to_column(v) for v in encoder.encode(texts)]
        seqs = self.store.next_seqs(len(rows))
        manifest = self.store.manifest
        data = {
            "id": [r["id"] for r in rows],
            "seq": seqs,
            "doc_id": [r["doc_id"] for r in rows],
            "doc_hash": [r["doc_hash"] for r in rows],
            "chunk_index": [r["chunk_index"] for r in rows],
            "text": texts,
            "text_tokens": [r["text_tokens"] for r in rows],
            **columns,
            "vector": pa.FixedSizeListArray.from_arrays(
                pa.array(vectors.reshape(-1)), manifest.embedding_dim
            ),
            "metadata": [r["metadata"] for r in rows],
            "embedder_id": [manifest.embedder_id] * n,
            "base_model": [manifest.base_model] * n,
            "encoder_id": [self.encoder_ids] * n,
            "encoder_version": [self.encoder_versions] * n,
        }
        data = {name: data[name] for name in self.schema.names}
        self.store._chunks.add(pa.table(data, schema=self.schema))
        for r in rows:
            self.present[r["doc_id"], r["doc_hash"]].add(r["id"])
        self.written += n
        self.bar.update(n)

    def _commit(self, docs: list[_PendingDoc]) -> None:
        now = time.time()
        latest: dict[str, _PendingDoc] = {d.source.doc_id: d for d in docs}
        records = [
            {
                "doc_id": d.source.doc_id,
                "doc_hash": d.source.doc_hash,
                "chunks": d.chunks,
                "source": d.source.source,
                "metadata": json.dumps(d.source.metadata, sort_keys=True, default=str),
                "ingested_at": now,
            }
            for d in latest.values()
        ]
        table = pa.Table.from_pylist(records, schema=documents_schema())
        (
            self.store._documents.merge_insert("doc_id")
            .when_matched_update_all()
            .when_not_matched_insert_all()
            .execute(table)
        )
        for d in latest.values():
            self.committed[d.source.doc_id] = d.source.doc_hash
        self.docs_written += len(latest)
        _delete_uncommitted(self.store, self.committed, self.present, set(latest))

    def close(self) -> None:
        self.bar.close()


def _committed_hashes(store: MnemonicStore) -> dict[str, str]:
    store._documents.checkout_latest()
    table = store._documents.search().select(["doc_id", "doc_hash"]).limit(None).to_arrow()
    return dict(zip(table["doc_id"].to_pylist(), table["doc_hash"].to_pylist(), strict=True))


def _present_chunks(store: MnemonicStore) -> defaultdict[tuple[str, str], set[str]]:
    store._chunks.checkout_latest()
    table = store._chunks.search().select(["id", "doc_id", "doc_hash"]).limit(None).to_arrow()
    present: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
    for cid, doc, doc_hash in zip(
        table["id"].to_pylist(),
        table["doc_id"].to_pylist(),
        table["doc_hash"].to_pylist(),
        strict=True,
    ):
        present[doc, doc_hash].add(cid)
    return present


def _delete_uncommitted(
    store: MnemonicStore,
    committed: dict[str, str],
    present: defaultdict[tuple[str, str], set[str]],
    doc_ids: set[str] | None,
) -> None:
    """Delete chunk rows of `doc_ids` (all documents when None) whose hash is not committed."""
    from mnemonic.store import sql_quote

    stale: dict[str, set[str]] = defaultdict(set)
    versions = present.keys() if doc_ids is None else [k for k in present if k[0] in doc_ids]
    for doc_id, doc_hash in versions:
        if committed.get(doc_id) != doc_hash:
            stale[doc_id].add(doc_hash)
    if not stale:
        return
    items = sorted(stale.items())
    for start in range(0, len(items), _DELETE_GROUP):
        group = items[start : start + _DELETE_GROUP]
        predicate = " OR ".join(
            f"(doc_id = {sql_quote(d)} AND doc_hash IN ({', '.join(map(sql_quote, sorted(h)))}))"
            for d, h in group
        )
        store._chunks.delete(predicate)
    for doc_id, hashes in stale.items():
        for doc_hash in hashes:
            present.pop((doc_id, doc_hash), None)


def run_ingest(
    store: MnemonicStore,
    sources: Iterable[SourceDocument],
    *,
    skipped: list[SkippedInput],
    progress: bool = False,
) -> IngestReport:
    """Ingest `sources` into `store` under its writer lock; sync and save the FAISS index."""
    start = time.perf_counter()
    with store.writing():
        store.sync_index()  # so new seqs land above everything already indexed
        pipeline = _Pipeline(store, progress=progress)
        try:
            for source in sources:
                pipeline.add(source)
            pipeline.flush()
            _delete_uncommitted(store, pipeline.committed, pipeline.present, None)
        finally:
            pipeline.close()
        store.sync_lexical_and_links()  # lexical index, link table: after the commit
        store.sync_index(persist=True)  # after the lexical index, which moves the version
    report = IngestReport(
        documents_seen=pipeline.seen,
        documents_written=pipeline.docs_written,
        documents_unchanged=pipeline.unchanged,
        chunks_written=pipeline.written,
        chunks_resumed=pipeline.resumed,
        seconds=time.perf_counter() - start,
        skipped=list(skipped),
    )
    logger.info(
        "ingested %d chunks of %d documents (%d unchanged, %d skipped) in %.1f s",
        report.chunks_written,
        report.documents_written,
        report.documents_unchanged,
        len(report.skipped),
        report.seconds,
    )
    return report
