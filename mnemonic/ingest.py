"""The ingest pipeline: chunk, embed, encode, write; idempotent and resumable.

Each document carries a content hash. Writing follows the store's commit protocol
(`mnemonic.commit`): a document's chunk rows are written first, then its `documents` row
(the commit), then the rows of its other versions are collected; so:

- a document whose committed hash is unchanged is skipped (re-ingest is a no-op);
- a changed document is replaced atomically: readers see the old version until the commit
  and the new one after, never both, never part of one;
- after a crash (even SIGKILL) a rerun skips chunks already written (chunk ids hash the
  document id, document hash, chunk index and text) and commits the document; rows of
  versions that never got committed are removed at the end of every run.

One process writes at a time (`MnemonicStore.writing`); others may search meanwhile. After
the rows are committed the FAISS index, the lexical index and the link table are brought up
to them (`MnemonicStore.sync_index`, `MnemonicStore.sync_lexical_and_links`).
"""

from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
from tqdm.auto import tqdm

from hyperword.levels import stored_levels
from mnemonic.commit import collect_garbage, commit_documents
from mnemonic.ingest_rows import chunk_rows, encode_columns, new_seconds, timed
from mnemonic.readers import SkippedInput, SourceDocument
from mnemonic.schema import chunk_id
from mnemonic.writer_lock import writing_errors

if TYPE_CHECKING:
    from mnemonic.store import MnemonicStore

__all__ = [
    "DocumentRecord",
    "IngestPipeline",
    "IngestReport",
    "chunk_id",
    "ingest_with",
    "run_ingest",
]

logger = logging.getLogger(__name__)

_CHUNK_FIELDS = ("id", "doc_id", "doc_hash", "chunk_index", "text", "text_tokens", "metadata")


@dataclass(frozen=True)
class IngestReport:
    """What one ingest run did.

    Attributes:
        stage_seconds: Seconds spent per stage (`mnemonic.ingest_rows.STAGES`); on Ray the
            read, chunk, embed and encode stages add up every worker's time.
        startup_seconds: Seconds before the first chunk was being encoded (loading models;
            on Ray, starting Ray and its workers too).
    """

    documents_seen: int
    documents_written: int
    documents_unchanged: int
    chunks_written: int
    chunks_resumed: int  # chunks found already written by an interrupted run
    seconds: float
    skipped: list[SkippedInput] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    startup_seconds: float = 0.0
    documents_pruned: int = 0  # with prune roots: documents whose file is gone

    @property
    def chunks_per_second(self) -> float:
        return self.chunks_written / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class DocumentRecord:
    """A chunked document, committed once its `chunks` rows are all written."""

    doc_id: str
    doc_hash: str
    chunks: int
    source: str | None
    metadata: str  # JSON

    @classmethod
    def of(cls, source: SourceDocument, chunks: int) -> DocumentRecord:
        metadata = json.dumps(source.metadata, sort_keys=True, default=str)
        return cls(source.doc_id, source.doc_hash, chunks, source.source, metadata)


class IngestPipeline:
    """The one write path: chunk rows written in batches, then their documents committed.

    The single-process ingest feeds documents (`add`); the Ray ingest feeds rows its workers
    encoded (`write`) and documents whose rows are all written (`commit`).
    """

    def __init__(self, store: MnemonicStore, *, progress: bool) -> None:
        self.store = store
        self.schema = store._chunks.schema  # its own columns (an older store lacks new levels')
        self.rows: list[dict[str, Any]] = []
        self.finished: list[DocumentRecord] = []  # chunked; commit after their rows are flushed
        self.written = self.resumed = self.docs_written = self.unchanged = self.seen = 0
        self.seconds = new_seconds()
        self.started, self.first_work = time.perf_counter(), None
        self.seen_ids: set[str] = set()
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
        self.seen_ids.add(source.doc_id)
        if self.committed.get(source.doc_id) == source.doc_hash:
            self.unchanged += 1
            return
        present = self.present.get((source.doc_id, source.doc_hash), ())
        n = 0
        for row in chunk_rows(source, self.store.chunker, self.seconds):
            n += 1
            if row["id"] in present:
                self.resumed += 1
                continue
            self.rows.append(row)
            if len(self.rows) >= self.store.flush_rows:
                self.flush()
        self.finished.append(DocumentRecord.of(source, n))
        if not self.rows:
            self.flush()

    def flush(self) -> None:
        rows, self.rows = self.rows, []
        if rows:
            self.working(time.perf_counter())
            texts = [r["text"] for r in rows]
            encoded = encode_columns(
                texts, embed=self.store.embed, encoders=self.store.encoders, seconds=self.seconds
            )
            self.write({name: [r[name] for r in rows] for name in _CHUNK_FIELDS} | encoded)
        if self.finished:
            self.commit(self.finished)
            self.finished = []

    def working(self, since: float) -> None:
        """Note that chunks were being encoded at `since` (the first call counts)."""
        self.first_work = self.first_work or since

    def write(self, data: dict[str, Any]) -> None:
        """Write encoded chunk rows: columns of the chunk fields, `vector`, level columns."""
        start = time.perf_counter()
        ids, doc_ids, doc_hashes = (_pylist(data[k]) for k in ("id", "doc_id", "doc_hash"))
        n = len(ids)
        vectors = data["vector"]
        if isinstance(vectors, np.ndarray):  # (n, dim)
            vectors = pa.FixedSizeListArray.from_arrays(
                pa.array(vectors.reshape(-1)), self.store.manifest.embedding_dim
            )
        manifest = self.store.manifest
        columns = {level.column: [None] * n for level in stored_levels()}
        columns.update(data)
        columns.update(
            seq=self.store.next_seqs(n),
            vector=vectors,
            embedder_id=[manifest.embedder_id] * n,
            base_model=[manifest.base_model] * n,
            encoder_id=[self.encoder_ids] * n,
            encoder_version=[self.encoder_versions] * n,
        )
        table = pa.table({name: columns[name] for name in self.schema.names}, schema=self.schema)
        self.store._chunks.add(table)
        for cid, doc_id, doc_hash in zip(ids, doc_ids, doc_hashes, strict=True):
            self.present[doc_id, doc_hash].add(cid)
        self.written += n
        self.bar.update(n)
        self.seconds["write"] += time.perf_counter() - start

    def commit(self, docs: Sequence[DocumentRecord]) -> None:
        """Record `docs` as stored (their rows are written); drop their other versions' rows."""
        start = time.perf_counter()
        now = time.time()
        latest: dict[str, DocumentRecord] = {d.doc_id: d for d in docs}
        records = [
            {
                "doc_id": d.doc_id,
                "doc_hash": d.doc_hash,
                "chunks": d.chunks,
                "source": d.source,
                "metadata": d.metadata,
                "ingested_at": now,
            }
            for d in latest.values()
        ]
        self.docs_written += commit_documents(self.store, records)
        for d in latest.values():
            self.committed[d.doc_id] = d.doc_hash
        collect_garbage(self.store, self.committed, self.present, set(latest))
        self.seconds["write"] += time.perf_counter() - start

    def finish(self) -> None:
        """Delete the rows of every version that was never committed."""
        collect_garbage(self.store, self.committed, self.present)

    def close(self) -> None:
        self.bar.close()

    def report(
        self, *, seconds: float, skipped: Sequence[SkippedInput], pruned: int = 0
    ) -> IngestReport:
        return IngestReport(
            documents_seen=self.seen,
            documents_written=self.docs_written,
            documents_unchanged=self.unchanged,
            chunks_written=self.written,
            chunks_resumed=self.resumed,
            seconds=seconds,
            skipped=list(skipped),
            stage_seconds=dict(self.seconds),
            startup_seconds=(self.first_work or time.perf_counter()) - self.started,
            documents_pruned=pruned,
        )


def _pylist(values: Any) -> list[Any]:
    return values.to_pylist() if hasattr(values, "to_pylist") else list(values)


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


def run_ingest(
    store: MnemonicStore,
    sources: Iterable[SourceDocument],
    *,
    skipped: list[SkippedInput],
    progress: bool = False,
    prune_roots: Sequence[Path] = (),
) -> IngestReport:
    """Ingest `sources` into `store` under its writer lock; sync and save the FAISS index.

    With `prune_roots`, then delete the documents read from under those folders before
    that this run did not read (`mnemonic.prune`).
    """

    def feed(pipeline: IngestPipeline) -> None:
        for source in timed(sources, pipeline.seconds, "read"):
            pipeline.add(source)
        pipeline.flush()

    return ingest_with(store, feed, skipped=skipped, progress=progress, prune_roots=prune_roots)


def ingest_with(
    store: MnemonicStore,
    feed: Callable[[IngestPipeline], None],
    *,
    skipped: list[SkippedInput],
    progress: bool = False,
    prune_roots: Sequence[Path] = (),
) -> IngestReport:
    """Run `feed` on a pipeline under the store's writer lock, then sync the FAISS index.

    `feed` writes rows and commits documents; `skipped` is read after it returns. With
    `prune_roots`, the documents read from under those folders before that `feed` did not
    add are deleted (`mnemonic.prune`).
    """
    from mnemonic.prune import prune_stale

    start = time.perf_counter()
    with store.writing(), writing_errors(store.path):
        store.sync_index()  # new seqs land above everything indexed; a damaged store refuses
        pipeline = IngestPipeline(store, progress=progress)
        try:
            feed(pipeline)
            pipeline.finish()
        finally:
            pipeline.close()
        pruned = prune_stale(store, prune_roots, seen=pipeline.seen_ids, skipped=skipped)
        index_start = time.perf_counter()
        store.sync_lexical_and_links()  # lexical index, link table: after the commit
        store.sync_index(persist=True)  # after the lexical index, which moves the version
        pipeline.seconds["index"] += time.perf_counter() - index_start
    report = pipeline.report(seconds=time.perf_counter() - start, skipped=skipped, pruned=pruned)
    logger.debug(  # the CLI prints the report itself
        "ingested %d chunks of %d documents (%d unchanged, %d skipped) in %.1f s",
        report.chunks_written,
        report.documents_written,
        report.documents_unchanged,
        len(report.skipped),
        report.seconds,
    )
    return report
