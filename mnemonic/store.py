"""`MnemonicStore`: LanceDB rows on local disk (the truth) plus a FAISS index (the hot path).

Layout of a store folder:

    store.json            manifest: embedder, base model, chunking, encoders, toolkit version
    chunks.lance/         one row per chunk (see `mnemonic.schema`)
    documents.lance/      one row per committed document (content hash)
    index.json            FAISS sidecar; index-<token>.faiss the index itself
    .writer.lock          held (flock) by the one process writing

Readers take no lock: every search refreshes to the latest table version and, when it moved,
adds the new rows to the in-memory FAISS index (rows carry an increasing `seq`, the FAISS id)
and maps ids to the rows still live, so searching works while another process ingests.
Searches with a `where` filter go to LanceDB's own exact search with the filter applied first,
so a selective filter never starves the results.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import lancedb
import numpy as np
import pyarrow as pa

from hyperword.levels import LEVELS, stored_levels
from hyperword.models import DEFAULT_MODEL
from mnemonic.chunking import Chunker, ChunkingConfig
from mnemonic.encoders import ChunkEncoder, validate_encoder
from mnemonic.exceptions import (
    ChunkNotFoundError,
    ConfigError,
    IndexLoadError,
    StoreBusyError,
    StoreError,
)
from mnemonic.index import IndexConfig, VectorIndex
from mnemonic.manifest import MANIFEST, StoreManifest
from mnemonic.schema import (
    Chunk,
    Document,
    Hit,
    StoreStats,
    chunks_schema,
    documents_schema,
    level_columns,
)

__all__ = ["MnemonicStore", "sql_quote"]

logger = logging.getLogger(__name__)

CHUNKS, DOCUMENTS = "chunks", "documents"
_HIT_COLUMNS = ["id", "seq", "doc_id", "chunk_index", "text", "text_tokens", "metadata"]


def sql_quote(value: str) -> str:
    """A SQL string literal for LanceDB predicates."""
    return "'" + str(value).replace("'", "''") + "'"


def embedder_identity(embedder: Any) -> tuple[str, int]:
    """`(id, dim)` of a sentence-transformers-like embedder."""
    name = getattr(embedder, "hyperword_id", None) or getattr(embedder, "name_or_path", None)
    if not name:
        raise ConfigError("the embedder needs a `hyperword_id` (use hyperword.load_embedder)")
    for method in ("get_embedding_dimension", "get_sentence_embedding_dimension"):
        if hasattr(embedder, method):
            return str(name), int(getattr(embedder, method)())
    raise ConfigError(f"cannot tell the dimension of embedder {name!r}")


@dataclass
class _RowMap:
    """Live rows at one table version: sorted `seq` and the matching LanceDB row ids."""

    version: int
    seqs: np.ndarray  # (n,) int64, sorted
    row_ids: np.ndarray  # (n,) uint64

    def locate(self, seqs: np.ndarray) -> np.ndarray:
        """Row ids of `seqs`, -1 where a seq is not live."""
        if len(self.seqs) == 0:
            return np.full(len(seqs), -1, np.int64)
        pos = np.clip(np.searchsorted(self.seqs, seqs), 0, len(self.seqs) - 1)
        found = self.seqs[pos] == seqs
        return np.where(found, self.row_ids[pos].astype(np.int64), -1)

    def count_at_most(self, seq: int) -> int:
        return int(np.searchsorted(self.seqs, seq, side="right"))


class MnemonicStore:
    """A durable, searchable store of chunks.

    Args:
        path: The store folder (created when missing and `create` is true).
        embedder: A sentence-transformers model with `hyperword_id` (from
            `hyperword.models.load_embedder`); loaded lazily from the manifest when omitted.
        tokenizer: The base model's tokenizer, for chunking by token count; loaded lazily
            (only to ingest) from `base_model` or the manifest when omitted.
        base_model: Base model alias whose tokenizer counts tokens (`gemma-3-270m` default).
        chunking: Chunk size and overlap; a new store records it, an existing one must match.
        index: FAISS index choice and search parameters.
        encoders: Chunk encoders that fill the `hyperword`/`scene`/`concept` columns at ingest.
        create: Create the store when missing (`False` raises `StoreError` instead).
        batch_size: Texts per embedder call.
        flush_rows: Chunks per LanceDB write (each write is one commit).

    Raises:
        StoreError: `path` is a file, or a folder that is not a store.
        IncompatibleStoreError: The store was built with another embedder, base model,
            chunking or encoder.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        embedder: Any = None,
        tokenizer: Any = None,
        base_model: str | None = None,
        chunking: ChunkingConfig | None = None,
        index: IndexConfig | None = None,
        encoders: Sequence[ChunkEncoder] = (),
        create: bool = True,
        batch_size: int = 64,
        flush_rows: int = 256,
    ) -> None:
        self.path = Path(path)
        if batch_size < 1 or flush_rows < 1:
            raise ConfigError(
                f"batch_size and flush_rows must be >= 1, got {batch_size} and {flush_rows}"
            )
        self.batch_size, self.flush_rows = batch_size, flush_rows
        self.index_config = index or IndexConfig()
        self.encoders = [validate_encoder(e) for e in encoders]
        levels = [e.level for e in self.encoders]
        if len(set(levels)) != len(levels):
            raise ConfigError(f"one encoder per level, got levels {levels}")
        self._embedder, self._tokenizer, self._chunker = embedder, tokenizer, None
        if tokenizer is not None:
            base_model = str(getattr(tokenizer, "name_or_path", "") or base_model or "")
            if not base_model:
                raise ConfigError("the tokenizer needs a name_or_path (its base model alias)")
        self.manifest = self._open_manifest(base_model, chunking, create)
        self.chunking = ChunkingConfig(**self.manifest.chunking)
        self._db = lancedb.connect(str(self.path))
        self._chunks = self._open_table(CHUNKS, chunks_schema(self.manifest.embedding_dim))
        self._documents = self._open_table(DOCUMENTS, documents_schema())
        self._check_columns()
        self._index: VectorIndex | None = None
        self._rows: _RowMap | None = None
        self._lock_depth, self._lock_file = 0, None

    # -- opening -------------------------------------------------------------------------

    def _open_manifest(
        self, base_model: str | None, chunking: ChunkingConfig | None, create: bool
    ) -> StoreManifest:
        if self.path.exists() and not self.path.is_dir():
            raise StoreError(f"store path {self.path} is a file, not a folder")
        encoders = {e.level: {"id": e.id, "version": e.version} for e in self.encoders}
        if (self.path / MANIFEST).is_file():
            manifest = StoreManifest.load(self.path)
            given_id = given_dim = None
            if self._embedder is not None:
                given_id, given_dim = embedder_identity(self._embedder)
            manifest.check(
                folder=self.path,
                embedder_id=given_id,
                embedding_dim=given_dim,
                base_model=base_model,
                chunking=chunking.to_dict() if chunking else None,
                encoders=encoders,
            )
            new_levels = set(encoders) - set(manifest.encoders)
            if new_levels:
                manifest.encoders.update({level: encoders[level] for level in new_levels})
                manifest.save(self.path)
            return manifest
        if self.path.is_dir() and any(self.path.iterdir()):
            raise StoreError(f"{self.path} is a non-empty folder without {MANIFEST}: not a store")
        if not create:
            raise StoreError(f"no store at {self.path} (ingest something first)")
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(f"cannot create store folder {self.path}: {error}") from error
        embedder_id, dim = embedder_identity(self.embedder)
        manifest = StoreManifest(
            embedder_id=embedder_id,
            embedding_dim=dim,
            base_model=base_model or DEFAULT_MODEL,
            chunking=(chunking or ChunkingConfig()).to_dict(),
            encoders=encoders,
        )
        manifest.save(self.path)
        return manifest

    def _check_columns(self) -> None:
        """A store made before a level was added lacks its column: it reads as None there,
        but no encoder may fill it."""
        present = set(self._chunks.schema.names)
        missing = [e.level for e in self.encoders if LEVELS[e.level].column not in present]
        if missing:
            raise ConfigError(
                f"store {self.path} has no column for level(s) {', '.join(missing)} (it was "
                "made before they existed); ingest into a new store to store them"
            )

    def _open_table(self, name: str, schema: pa.Schema) -> Any:
        try:
            return self._db.open_table(name)
        except (FileNotFoundError, ValueError):
            return self._db.create_table(name, schema=schema, exist_ok=True)

    @property
    def embedder(self) -> Any:
        """The retrieval embedder (loaded on first use)."""
        if self._embedder is None:
            from hyperword.models import load_embedder

            name = self.manifest.embedder_id if hasattr(self, "manifest") else None
            self._embedder = load_embedder(name)
            if hasattr(self, "manifest"):
                embedder_id, dim = embedder_identity(self._embedder)
                self.manifest.check(folder=self.path, embedder_id=embedder_id, embedding_dim=dim)
        return self._embedder

    @property
    def chunker(self) -> Chunker:
        """The chunker (loads the base model's tokenizer on first use)."""
        if self._chunker is None:
            if self._tokenizer is None:
                from hyperword.models import load_tokenizer

                self._tokenizer = load_tokenizer(self.manifest.base_model)
            self._chunker = Chunker(self._tokenizer, self.chunking)
        return self._chunker

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalized retrieval vectors `(len(texts), dim)` float32."""
        vectors = self.embedder.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)

    # -- writing -------------------------------------------------------------------------

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the store's writer lock (re-entrant in this object; one writer process)."""
        if self._lock_depth == 0:
            try:
                import fcntl
            except ImportError:  # not POSIX: no inter-process lock
                fcntl = None
            handle = (self.path / ".writer.lock").open("a+")
            if fcntl is not None:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError as error:
                    handle.close()
                    raise StoreBusyError(
                        f"another process is writing to {self.path}; wait for it to finish"
                    ) from error
            self._lock_file = handle
        self._lock_depth += 1
        try:
            yield
        finally:
            self._lock_depth -= 1
            if self._lock_depth == 0 and self._lock_file is not None:
                self._lock_file.close()  # closing releases the flock
                self._lock_file = None

    def add_documents(
        self, docs: Iterable[Document | dict[str, Any]], *, progress: bool = False
    ) -> Any:
        """Ingest in-memory documents (upsert by `doc_id`). Returns an `IngestReport`."""
        from mnemonic.ingest import run_ingest
        from mnemonic.readers import source_from_document

        block_chars = self.chunking.block_chars
        sources = (source_from_document(d, block_chars=block_chars) for d in docs)
        return run_ingest(self, sources, skipped=[], progress=progress)

    def ingest_paths(self, paths: Iterable[str | Path], *, progress: bool = False) -> Any:
        """Ingest files and folders (see `mnemonic.readers`). Returns an `IngestReport`."""
        from mnemonic.ingest import run_ingest
        from mnemonic.readers import iter_path_documents

        skipped: list = []
        sources = iter_path_documents(paths, block_chars=self.chunking.block_chars, skipped=skipped)
        return run_ingest(self, sources, skipped=skipped, progress=progress)

    def delete(self, doc_id: str) -> int:
        """Remove a document and its chunks; returns how many chunks were removed."""
        predicate = f"doc_id = {sql_quote(doc_id)}"
        with self.writing():
            self._chunks.checkout_latest()
            removed = self._chunks.count_rows(predicate)
            self._chunks.delete(predicate)
            self._documents.delete(predicate)
            self.sync_index(persist=True)
        return removed

    def compact(self, *, keep_versions: timedelta = timedelta(0)) -> None:
        """Merge small files, drop table versions older than `keep_versions`, rebuild the index.

        Readers refresh to the latest version on every search, so the default (keep none)
        is safe for them; raise `keep_versions` if you read old versions explicitly.
        """
        with self.writing():
            for table in (self._chunks, self._documents):
                table.checkout_latest()
                with warnings.catch_warnings():  # "readers of old versions will fail": see above
                    warnings.simplefilter("ignore", UserWarning)
                    table.optimize(cleanup_older_than=keep_versions, delete_unverified=True)
            self._index = None
            self.sync_index(persist=True, rebuild=True)

    def next_seqs(self, n: int) -> np.ndarray:
        """`n` fresh row numbers above every seq ever stored or indexed (writer only)."""
        top = self._rows.seqs[-1] if self._rows is not None and len(self._rows.seqs) else -1
        if self._index is not None:
            top = max(top, self._index.max_seq)
        start = max(int(top) + 1, time.time_ns() // 1000, getattr(self, "_last_seq", -1) + 1)
        self._last_seq = start + n - 1
        return np.arange(start, start + n, dtype=np.int64)

    # -- index ---------------------------------------------------------------------------

    def _scan_rows(self, version: int) -> _RowMap:
        table = self._chunks.search().select(["seq"]).with_row_id(True).limit(None).to_arrow()
        seqs = table["seq"].to_numpy().astype(np.int64)
        row_ids = table["_rowid"].to_numpy().astype(np.uint64)
        order = np.argsort(seqs, kind="stable")
        return _RowMap(version, seqs[order], row_ids[order])

    def _read_vectors(self, where: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        query = self._chunks.search().select(["seq", "vector"]).limit(None)
        if where:
            query = query.where(where)
        table = query.to_arrow()
        dim = self.manifest.embedding_dim
        if table.num_rows == 0:
            return np.zeros((0, dim), np.float32), np.zeros(0, np.int64)
        vectors = table["vector"].combine_chunks().flatten().to_numpy(zero_copy_only=False)
        return vectors.reshape(-1, dim), table["seq"].to_numpy().astype(np.int64)

    def sync_index(self, *, persist: bool = False, rebuild: bool = False) -> VectorIndex:
        """Bring the FAISS index up to the latest table version and return it.

        Loads the persisted index, or rebuilds from LanceDB when it is missing, corrupt,
        holds too many deleted rows, or (when `persist`) is no longer the kind its size calls
        for; otherwise adds the rows appended since. With `persist`, saves it when changed.
        """
        self._chunks.checkout_latest()
        version = self._chunks.version
        if self._rows is None or self._rows.version != version:
            self._rows = self._scan_rows(version)
        rows, index, changed = self._rows, self._index, False
        if index is None and not rebuild:
            try:
                index = VectorIndex.load(
                    self.path, self.index_config, dim=self.manifest.embedding_dim
                )
            except IndexLoadError as error:
                logger.info("rebuilding the FAISS index: %s", error)
        if index is not None and not rebuild:
            live_in_index = rows.count_at_most(index.max_seq)
            dead = index.ntotal - live_in_index
            wrong_kind = persist and index.kind != self.index_config.resolve_kind(len(rows.seqs))
            too_dead = dead > self.index_config.rebuild_dead_fraction * max(index.ntotal, 1)
            rebuild = dead < 0 or too_dead or wrong_kind
        if index is None or rebuild:
            vectors, seqs = self._read_vectors()
            index = VectorIndex.build(
                vectors, seqs, self.index_config, dim=self.manifest.embedding_dim
            )
            changed = True
        elif index.table_version != version and len(rows.seqs) and rows.seqs[-1] > index.max_seq:
            vectors, seqs = self._read_vectors(f"seq > {index.max_seq}")
            index.add(vectors, seqs)
            changed = True
        changed = changed or index.table_version != version
        index.table_version = version
        self._index = index
        if persist and changed:
            index.save(self.path)
        return index

    # -- reading -------------------------------------------------------------------------

    def search(
        self, query: str, *, k: int = 10, where: str | None = None, levels: Sequence[str] = ()
    ) -> list[Hit]:
        """The `k` chunks most similar to `query` (cosine), best first.

        Args:
            query: Text to embed with the store's embedder.
            k: Number of hits.
            where: Optional LanceDB SQL predicate on chunk columns, e.g. `doc_id = 'a.md'`;
                filtered searches run exactly in LanceDB with the filter applied first.
            levels: Levels whose stored column values come back in `Hit.stored` (read in
                the same query as the hits).
        """
        return self.search_by_vector(self.embed([query])[0], k=k, where=where, levels=levels)

    def search_by_vector(
        self,
        vector: np.ndarray,
        *,
        k: int = 10,
        where: str | None = None,
        levels: Sequence[str] = (),
    ) -> list[Hit]:
        """Like `search`, for a precomputed normalized vector `(dim,)`."""
        if not isinstance(k, int) or k < 1:
            raise ConfigError(f"k must be a positive int, got {k!r}")
        vector = np.asarray(vector, dtype=np.float32).reshape(-1)
        columns = [*_HIT_COLUMNS, *self._level_columns(levels)]
        if where:
            return self._search_lance(vector, k, where, columns)
        for attempt in range(2):
            try:
                return self._search_faiss(vector, k, columns)
            except (OSError, RuntimeError, ValueError):  # files compacted away under us
                if attempt:
                    raise
                self._rows = None
        return []

    def _level_columns(self, levels: Sequence[str]) -> list[str]:
        """The store columns of `levels` that this store's table has (text has none)."""
        present = set(self._chunks.schema.names)
        columns = [LEVELS[level].column for level in levels]
        return [column for column in columns if column and column in present]

    def _search_faiss(self, vector: np.ndarray, k: int, columns: list[str]) -> list[Hit]:
        index = self.sync_index()
        rows = self._rows
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
        table = (
            self._chunks.take_row_ids([int(r) for r in row_ids])
            .select(columns)
            .with_row_id()
            .to_arrow()
        )
        by_row = {int(r): i for i, r in enumerate(table["_rowid"].to_pylist())}
        records = table.to_pylist()
        return [
            _hit(records[by_row[int(r)]], float(s))
            for r, s in zip(row_ids, scores, strict=True)
            if int(r) in by_row
        ]

    def _search_lance(
        self, vector: np.ndarray, k: int, where: str, columns: list[str]
    ) -> list[Hit]:
        self._chunks.checkout_latest()
        try:
            table = (
                self._chunks.search(vector, vector_column_name="vector")
                .distance_type("cosine")
                .where(where, prefilter=True)
                .select([*columns, "_distance"])
                .limit(k)
                .to_arrow()
            )
        except (ValueError, RuntimeError, OSError) as error:
            raise ConfigError(f"invalid filter {where!r}: {error}") from error
        records = table.to_pylist()
        return [_hit(r, 1.0 - float(r["_distance"])) for r in records]

    def get(self, ids: Sequence[str], *, level: str = "text") -> list[Chunk]:
        """Chunks by id, in the order asked, with the columns of one level filled.

        Args:
            ids: Chunk ids (from `Hit.id`).
            level: A level name (`hyperword.levels.level_names()`). A level no encoder has
                filled for a chunk comes back as None in `Chunk.stored`.

        Raises:
            ChunkNotFoundError: Some ids are not in the store.
            UnknownNameError: No such level.
        """
        ids = list(ids)
        columns = ["id", "doc_id", "chunk_index", "metadata", *level_columns(level)]
        columns = [c for c in columns if c in self._chunks.schema.names]  # see _check_columns
        self._chunks.checkout_latest()
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), 512):
            batch = ids[start : start + 512]
            predicate = f"id IN ({', '.join(sql_quote(i) for i in batch)})"
            query = self._chunks.search().where(predicate).select(columns).limit(None)
            for record in query.to_arrow().to_pylist():
                found.setdefault(record["id"], record)
        missing = [i for i in ids if i not in found]
        if missing:
            shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
            raise ChunkNotFoundError(f"{len(missing)} chunk id(s) not in the store: {shown}")
        return [_chunk(found[i]) for i in ids]

    def stats(self) -> StoreStats:
        """Counts, bytes on disk and the index in use."""
        index = self.sync_index()
        self._documents.checkout_latest()
        size = sum(p.stat().st_size for p in self.path.rglob("*") if p.is_file())
        return StoreStats(
            documents=self._documents.count_rows(),
            chunks=self._chunks.count_rows(),
            bytes_on_disk=size,
            index_kind=index.kind if index.ntotal else "none",
            index_vectors=index.ntotal,
            table_version=self._chunks.version,
            embedder_id=self.manifest.embedder_id,
            base_model=self.manifest.base_model,
        )

    def close(self) -> None:
        """Release the writer lock if held (tables need no closing)."""
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file, self._lock_depth = None, 0

    def __enter__(self) -> MnemonicStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _metadata(raw: str | None) -> dict[str, Any]:
    return json.loads(raw) if raw else {}


def _hit(record: dict[str, Any], score: float) -> Hit:
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


def _stored(record: dict[str, Any]) -> dict[str, Any]:
    """The level values among `record`'s columns, as each level reads them."""
    return {
        level.name: level.from_column(record[level.column])
        for level in stored_levels()
        if level.column in record
    }


def _chunk(record: dict[str, Any]) -> Chunk:
    return Chunk(
        id=record["id"],
        doc_id=record["doc_id"],
        chunk_index=record["chunk_index"],
        text=record.get("text"),
        text_tokens=record.get("text_tokens"),
        metadata=_metadata(record["metadata"]),
        stored=_stored(record),
    )
