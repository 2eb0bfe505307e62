"""Ingest on Ray Data: chunking and encoding spread over worker pools, rows written here.

    from mnemonic import MnemonicStore, ingest_dataset, ingest_files

    with MnemonicStore("memory/") as store:
        report = ingest_files(["corpus/"], store, workers=2)  # starts a local Ray
        # or, in a Ray session: ingest_dataset(ray.data.from_items(docs), store, workers=2)

Files are listed here (`iter_input_files`) and read on the workers with the same readers as
the single-process ingest (`read_file`); a pool of chunking actors cuts documents into chunk
rows, a pool of `workers` encoding actors (each with the embedder and the chunk encoders,
on a GPU when the cluster has them) computes their vectors and level columns. The rows
stream back to this process, which writes them through the store's one write path
(`IngestPipeline`): each document is committed once all its chunks are written, so the
content-hash idempotence, the resume after a kill and the replacement of a changed document
hold as in the single-process ingest. The FAISS index is synced from LanceDB once, at the end.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from hyperword.levels import LEVELS
from mnemonic.exceptions import ConfigError, StoreError
from mnemonic.ingest import DocumentRecord, IngestPipeline, IngestReport, ingest_with
from mnemonic.ingest_rows import STAGES
from mnemonic.ray_stages import (
    CHUNK,
    DOCUMENT,
    FILE,
    KIND,
    SKIPPED,
    UNCHANGED,
    ChunkDocuments,
    ChunkFiles,
    EncodeChunks,
    KnownDocuments,
    WorkerParts,
)
from mnemonic.readers import SkippedInput, iter_input_files

if TYPE_CHECKING:
    from mnemonic.store import MnemonicStore

__all__ = ["ingest_dataset", "ingest_files", "ray_session"]

logger = logging.getLogger(__name__)

_CHUNK_FIELDS = ("id", "doc_id", "doc_hash", "chunk_index", "text", "text_tokens", "metadata")
_CHUNKERS_PER_WORKER = 4  # encoding workers per chunking actor (chunking is ~100x faster)


def _require_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ConfigError("the Ray engine needs Ray Data: pip install 'hyperword[ray]'") from None
    return ray


@contextlib.contextmanager
def ray_session(address: str | None = None, *, num_cpus: int | None = None) -> Iterator[Any]:
    """Ray, initialised: joins `address` (a cluster), else starts a local Ray of `num_cpus`.

    A Ray already initialised in this process is used as it is and left running; one started
    here is shut down on exit.
    """
    ray = _require_ray()
    if ray.is_initialized():
        yield ray
        return
    ray.init(
        address=address,
        num_cpus=None if address else num_cpus,
        include_dashboard=False,
        log_to_driver=False,
    )
    try:
        yield ray
    finally:
        ray.shutdown()


def ingest_files(
    paths: Iterable[str | Path],
    store: MnemonicStore,
    *,
    workers: int = 1,
    batch_size: int = 64,
    address: str | None = None,
    num_cpus: int | None = None,
    progress: bool = False,
    follow_symlinks: bool = False,
) -> IngestReport:
    """Ingest files and folders (as `MnemonicStore.ingest_paths`) on Ray Data.

    Args:
        paths: Files and folders (`.txt`, `.md`, `.jsonl`, `.parquet`; `.gz` too).
        store: The store to write into (this process holds its writer lock).
        workers: Encoding workers (each loads the embedder and the encoders once).
        batch_size: Chunks per encoding call.
        address: A Ray cluster to join; None starts a local Ray on this machine.
        num_cpus: CPUs of a local Ray (default: all).
        progress: Show a progress bar (chunks/s, documents and files done).
        follow_symlinks: Read symbolic links in folders that lead outside them.
    """
    skipped: list[SkippedInput] = []
    files = list(iter_input_files(paths, skipped=skipped, follow_symlinks=follow_symlinks))
    with ray_session(address, num_cpus=num_cpus) as ray, _ray_data_settings(batch_size=batch_size):
        items = [{"path": str(path.resolve()), "doc_id": doc_id} for path, doc_id in files]
        dataset = ray.data.from_items(items, override_num_blocks=max(1, len(items)))
        return _run(
            store, dataset, ChunkFiles, 1, workers, batch_size, skipped, progress, len(items)
        )


def ingest_dataset(
    dataset: Any,
    store: MnemonicStore,
    *,
    workers: int = 1,
    batch_size: int = 64,
    progress: bool = False,
) -> IngestReport:
    """Ingest a `ray.data.Dataset` of `{doc_id, text, metadata}` rows (upsert by `doc_id`).

    `metadata` may be a map or a JSON object string. A row without a string `doc_id` or
    `text` is skipped with its reason (`IngestReport.skipped`).
    """
    _require_ray()
    return _run(store, dataset, ChunkDocuments, batch_size, workers, batch_size, [], progress)


def _run(
    store: MnemonicStore,
    dataset: Any,
    stage: type,
    stage_batch: int,
    workers: int,
    batch_size: int,
    skipped: list[SkippedInput],
    progress: bool,
    files: int | None = None,
) -> IngestReport:
    if not isinstance(workers, int) or workers < 1:
        raise ConfigError(f"workers must be a positive int, got {workers!r}")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ConfigError(f"batch_size must be a positive int, got {batch_size!r}")

    def feed(pipeline: IngestPipeline) -> None:
        known = KnownDocuments(
            committed=dict(pipeline.committed),
            partial={k: set(v) for k, v in pipeline.present.items() if _uncommitted(pipeline, k)},
        )
        chunked = dataset.map_batches(
            stage,
            fn_constructor_args=(store.chunker.tokenizer, store.chunking, known, batch_size),
            batch_size=stage_batch,
            batch_format="pyarrow",
            **_pool(max(1, workers // _CHUNKERS_PER_WORKER), _chunker_resources(workers)),
        )
        parts = _worker_parts(store, batch_size)
        encoded = chunked.map_batches(
            EncodeChunks,
            fn_constructor_args=(parts,),
            batch_size=batch_size,
            batch_format="pyarrow",
            **_pool(workers, _worker_resources(workers)),
        )
        consumer = _Consumer(pipeline, skipped, columns=parts.columns.names, files=files)
        consumer.consume(encoded.iter_batches(batch_size=None, batch_format="pyarrow"))

    with _ray_data_settings(dataset, batch_size=batch_size):
        return ingest_with(store, feed, skipped=skipped, progress=progress)


def _uncommitted(pipeline: IngestPipeline, key: tuple[str, str]) -> bool:
    return pipeline.committed.get(key[0]) != key[1]


def _worker_parts(store: MnemonicStore, batch_size: int) -> WorkerParts:
    schema = store._chunks.schema
    columns = ["vector", *(LEVELS[e.level].column for e in store.encoders)]
    embedder = store.embedder  # loaded by name in the workers when it has one
    return WorkerParts(
        embedder=getattr(embedder, "hyperword_id", None) or embedder,
        encoders=list(store.encoders),
        batch_size=batch_size,
        columns=pa.schema([schema.field(name) for name in columns]),
    )


def _pool(size: int, resources: dict[str, float]) -> dict[str, Any]:
    from ray.data import ActorPoolStrategy

    return {"compute": ActorPoolStrategy(size=size), **resources}


def _cluster() -> tuple[float, float]:
    import ray

    resources = ray.cluster_resources()
    return float(resources.get("CPU", 1.0)), float(resources.get("GPU", 0.0))


def _chunker_resources(workers: int) -> dict[str, float]:
    cpus, _gpus = _cluster()
    return {"num_cpus": min(0.5, cpus / (workers + 1))}


def _worker_resources(workers: int) -> dict[str, float]:
    """One GPU per worker when the cluster has them (shared when fewer); else CPUs."""
    cpus, gpus = _cluster()
    chunkers = max(1, workers // _CHUNKERS_PER_WORKER)
    share = (cpus - chunkers * _chunker_resources(workers)["num_cpus"]) / workers
    if share <= 0:
        raise StoreError(f"the Ray cluster's {cpus:g} CPUs cannot hold {workers} workers")
    if gpus > 0:
        return {"num_gpus": min(1.0, gpus / workers), "num_cpus": min(1.0, share)}
    return {"num_cpus": min(1.0, share)}


@contextlib.contextmanager
def _ray_data_settings(dataset: Any = None, *, batch_size: int = 64) -> Iterator[None]:
    """Ray Data set for the ingest while it runs (on the current context and `dataset`'s).

    Its own progress display off (the ingest shows one bar of its own); blocks of about one
    encoding batch of chunk text, so the chunks of one large file spread over every worker
    (Ray Data otherwise merges a task's output into blocks of up to 128 MiB, one task each).
    """
    from ray.data import DataContext

    contexts = [DataContext.get_current()]
    if dataset is not None and dataset.context is not contexts[0]:
        contexts.append(dataset.context)
    settings = {"enable_progress_bars": False, "target_max_block_size": batch_size * 1024}
    before = [{name: getattr(c, name) for name in settings} for c in contexts]
    for context in contexts:
        for name, value in settings.items():
            setattr(context, name, value)
    try:
        yield
    finally:
        for context, values in zip(contexts, before, strict=True):
            for name, value in values.items():
                setattr(context, name, value)


class _Consumer:
    """Writes the stream's chunk rows in batches; commits each document once it is whole."""

    def __init__(
        self,
        pipeline: IngestPipeline,
        skipped: list[SkippedInput],
        *,
        columns: list[str],
        files: int | None,
    ):
        self.pipeline, self.skipped, self.columns = pipeline, skipped, columns
        self.total_files = files
        self.pending: dict[tuple[str, str], DocumentRecord] = {}
        self.buffer: list[pa.Table] = []
        self.buffered: set[str] = set()
        self.files = 0

    def consume(self, batches: Iterable[pa.Table]) -> None:
        for batch in batches:
            self.take(batch)
        self.flush()
        self.show()
        if self.pending:
            shown = ", ".join(sorted(doc for doc, _ in self.pending)[:5])
            raise StoreError(
                f"{len(self.pending)} document(s) did not get all their chunks ({shown}); "
                "their rows stay uncommitted: run the ingest again to resume"
            )

    def take(self, batch: pa.Table) -> None:
        import pyarrow.compute as pc

        spent = {
            stage: float(pc.sum(batch[f"{stage}_s"]).as_py() or 0.0)
            for stage in STAGES
            if f"{stage}_s" in batch.column_names
        }
        for stage, value in spent.items():
            self.pipeline.seconds[stage] += value
        is_chunk = pc.equal(batch[KIND], CHUNK)
        if pc.any(is_chunk).as_py():  # encoded on a worker, ending now
            self.pipeline.working(time.perf_counter() - spent["embed"] - spent["encode"])
        self.add_chunks(batch.filter(is_chunk))
        columns = [KIND, "doc_id", "doc_hash", "chunks", "resumed", "source", "metadata", "reason"]
        for row in batch.filter(pc.invert(is_chunk)).select(columns).to_pylist():
            self.take_row(row)
        if sum(t.num_rows for t in self.buffer) >= self.pipeline.store.flush_rows:
            self.flush()
        self.show()

    def add_chunks(self, chunks: pa.Table) -> None:
        """Buffer chunk rows not stored yet (a retried batch may repeat some)."""
        present = self.pipeline.present
        keep = [
            cid not in self.buffered and cid not in present.get((doc, doc_hash), ())
            for cid, doc, doc_hash in zip(
                *(chunks[k].to_pylist() for k in ("id", "doc_id", "doc_hash")), strict=True
            )
        ]
        chunks = chunks.filter(pa.array(keep, pa.bool_()))
        if chunks.num_rows:
            self.buffer.append(chunks)
            self.buffered.update(chunks["id"].to_pylist())

    def take_row(self, row: dict[str, Any]) -> None:
        kind, pipeline = row[KIND], self.pipeline
        if kind == DOCUMENT:
            pipeline.seen += 1
            pipeline.resumed += row["resumed"] or 0
            record = DocumentRecord(
                row["doc_id"], row["doc_hash"], row["chunks"], row["source"], row["metadata"]
            )
            self.pending[record.doc_id, record.doc_hash] = record
        elif kind == UNCHANGED:
            pipeline.seen += 1
            pipeline.unchanged += 1
        elif kind == SKIPPED:
            logger.warning("skipped %s: %s", row["source"], row["reason"])
            self.skipped.append(SkippedInput(row["source"], row["reason"]))
        elif kind == FILE:
            self.files += 1

    def flush(self) -> None:
        if self.buffer:
            table = pa.concat_tables(self.buffer)
            self.buffer, self.buffered = [], set()
            names = [*_CHUNK_FIELDS, *self.columns]
            self.pipeline.write({name: table[name].combine_chunks() for name in names})
        ready = [
            record
            for key, record in self.pending.items()
            if len(self.pipeline.present.get(key, ())) >= record.chunks
        ]
        if ready:
            self.pipeline.commit(ready)
            for record in ready:
                del self.pending[record.doc_id, record.doc_hash]

    def show(self) -> None:
        pipeline = self.pipeline
        done = pipeline.docs_written + pipeline.unchanged
        files = f", files {self.files}/{self.total_files}" if self.total_files else ""
        pipeline.bar.set_postfix_str(f"documents {done}/{pipeline.seen}{files}", refresh=False)
