"""`MnemonicStore`: LanceDB rows on local disk (the truth) plus a FAISS index (the hot path).

Layout of a store folder:

    store.json            manifest: embedder, base model, chunking, encoders, toolkit version
    chunks.lance/         one row per chunk (see `mnemonic.schema`)
    documents.lance/      one row per committed document (content hash)
    links.lance/          one row per (chunk, entity): the link table (`links.py`)
    commit.json           the table versions at the last commit (see `mnemonic.commit`)
    index.json            FAISS sidecar (size, SHA-256); index-<token>.faiss the index itself
    .writer.lock          held (flock) by the one process writing

Its parts, one concept a file, are listed in docs/architecture.md (the `mnemonic/` rows).
Readers take no lock: every search refreshes to the latest committed state, so searching
works while another process or thread ingests, and never sees an uncommitted row.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import lancedb
import numpy as np

from hyperword.levels import LEVELS
from hyperword.text_files import check_unicode
from mnemonic.chunking import Chunker, ChunkingConfig
from mnemonic.commit import COMMIT_RECORD, DeleteReport, delete_documents, sql_quote
from mnemonic.encoders import ChunkEncoder, validate_encoder
from mnemonic.exceptions import ChunkNotFoundError, ConfigError, StoreCorruptError, StoreError
from mnemonic.hybrid import DEFAULT_MODE
from mnemonic.index import IndexConfig, VectorIndex
from mnemonic.index_sync import IndexSync
from mnemonic.integrity import VERIFY_COLUMNS, damaged, reading
from mnemonic.lexical import refresh_lexical_index
from mnemonic.links import LinkTable
from mnemonic.manifest import embedder_identity, open_manifest
from mnemonic.schema import (
    Chunk,
    Document,
    Hit,
    StoreStats,
    chunks_schema,
    documents_schema,
    level_columns,
)
from mnemonic.search import (
    chunk_from_record,
    verified,
)
from mnemonic.snapshot import Snapshot
from mnemonic.store_reads import StoreReads
from mnemonic.writer_lock import WriterLock, writing_errors

__all__ = ["DeleteReport", "MnemonicStore", "embedder_identity", "sql_quote"]

CHUNKS, DOCUMENTS = "chunks", "documents"


class MnemonicStore(StoreReads):
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
        StoreError: `path` is a file, a folder that is not a store, or `store.json` is invalid.
        IncompatibleStoreError: The store was built with another embedder, base model,
            chunking or encoder.
        StoreCorruptError: A table is missing or cannot be opened (`hyperword store check`).
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
        self.manifest = open_manifest(
            self.path,
            embedder=embedder,
            load_embedder=lambda: self.embedder,
            base_model=base_model,
            chunking=chunking,
            encoders={e.level: {"id": e.id, "version": e.version} for e in self.encoders},
            create=create,
        )
        self.chunking = ChunkingConfig(**self.manifest.chunking)
        self._db = lancedb.connect(str(self.path))
        self._chunks, self._documents = self._open_tables()
        with reading(self.path, "chunks table schema"):
            self.columns = frozenset(self._chunks.schema.names)  # never altered once made
        with reading(self.path, "link table"):
            self._links = LinkTable.open(self._db)  # link table (None until the first write)
        self._check_columns()
        dim = self.manifest.embedding_dim
        self._sync = IndexSync(self.path, self._chunks, self._documents, self.index_config, dim=dim)
        self._writer = WriterLock(self.path)

    # -- opening -------------------------------------------------------------------------

    def _check_columns(self) -> None:
        """A store made before a level was added lacks its column: it reads as None there,
        but no encoder may fill it."""
        present = self.columns
        missing = [e.level for e in self.encoders if LEVELS[e.level].column not in present]
        if missing:
            raise ConfigError(
                f"store {self.path} has no column for level(s) {', '.join(missing)} (it was "
                "made before they existed); ingest into a new store to store them"
            )

    def _open_tables(self) -> tuple[Any, Any]:
        """Open `chunks` and `documents`; create them in a store that never had them.

        A store that committed something (`commit.json`) or holds one table but not the
        other has lost a table: that is damage, not a new store.
        """
        with reading(self.path, "listing tables"):
            present = set(self._db.list_tables().tables)
        if {CHUNKS, DOCUMENTS} <= present:
            with reading(self.path, "opening tables"):
                tables = self._db.open_table(CHUNKS), self._db.open_table(DOCUMENTS)
            self._check_vector_dim(tables[0])
            return tables
        if present & {CHUNKS, DOCUMENTS} or (self.path / COMMIT_RECORD).is_file():
            missing = sorted({CHUNKS, DOCUMENTS} - present)
            raise damaged(self.path, f"table {' and '.join(missing)} is missing")
        dim = self.manifest.embedding_dim
        schemas = {CHUNKS: chunks_schema(dim), DOCUMENTS: documents_schema()}
        with writing_errors(self.path):
            made = [self._db.create_table(n, schema=s, exist_ok=True) for n, s in schemas.items()]
        return made[0], made[1]

    def _check_vector_dim(self, chunks: Any) -> None:
        stored = chunks.schema.field("vector").type.list_size
        if stored != self.manifest.embedding_dim:
            raise StoreError(
                f"store {self.path}: store.json says embedding_dim {self.manifest.embedding_dim} "
                f"but the chunks table holds {stored}-dim vectors; restore store.json"
            )

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
        from mnemonic.ingest_rows import embed_texts

        return embed_texts(self.embedder, texts, batch_size=self.batch_size)

    # -- writing -------------------------------------------------------------------------

    def writing(self) -> contextlib.AbstractContextManager[None]:
        """Hold the store's writer lock (re-entrant in this object; one writer process).

        Raises:
            StoreBusyError: Another process is writing.
            StoreReadOnlyError: The store's folders cannot be written.
        """
        return self._writer.hold()

    def add_documents(
        self, docs: Iterable[Document | dict[str, Any]], *, progress: bool = False
    ) -> Any:
        """Ingest in-memory documents (upsert by `doc_id`). Returns an `IngestReport`.

        Every document is checked before any is written (`InputFileError` for a malformed
        one); a document with blank text is skipped (`IngestReport.skipped`).
        """
        from mnemonic.ingest import run_ingest
        from mnemonic.readers import sources_from_documents

        skipped: list = []
        block_chars = self.chunking.block_chars
        sources = sources_from_documents(docs, block_chars=block_chars, skipped=skipped)
        return run_ingest(self, sources, skipped=skipped, progress=progress)

    def ingest_paths(
        self,
        paths: Iterable[str | Path],
        *,
        progress: bool = False,
        prune: bool = False,
        follow_symlinks: bool = False,
    ) -> Any:
        """Ingest files and folders (see `mnemonic.readers`). Returns an `IngestReport`.

        Args:
            paths: Files and folders.
            progress: Show a progress bar.
            prune: Also delete the documents read from these folders before whose file (or
                JSON-lines record) is gone, so the store mirrors the folders
                (`mnemonic.prune`).
            follow_symlinks: Read symbolic links in folders that lead outside them.
        """
        from mnemonic.ingest import run_ingest
        from mnemonic.readers import iter_path_documents

        paths = list(paths)
        skipped: list = []
        sources = iter_path_documents(
            paths,
            block_chars=self.chunking.block_chars,
            skipped=skipped,
            follow_symlinks=follow_symlinks,
        )
        roots = [Path(p) for p in paths if Path(p).is_dir()] if prune else []
        return run_ingest(self, sources, skipped=skipped, progress=progress, prune_roots=roots)

    def delete(self, doc_id: str) -> int:
        """Remove a document and its chunks; returns how many chunks were removed."""
        return self.delete_documents([doc_id]).chunks

    def delete_documents(self, doc_ids: Sequence[str]) -> DeleteReport:
        """Remove documents and their rows everywhere (`mnemonic.commit.delete_documents`:
        the commit goes first, so readers never see part of one); says how many committed
        documents and chunk rows there were."""
        with self.writing(), writing_errors(self.path):
            self.sync_index()  # a damaged store refuses to be written
            removed = delete_documents(self, doc_ids)
            self.sync_lexical_and_links()
            self.sync_index(persist=True)
        return removed

    def compact(self, *, keep_versions: timedelta = timedelta(0)) -> None:
        """Merge small files, drop table versions older than `keep_versions`, rebuild the index.

        Readers refresh to the latest version on every search, so the default (keep none)
        is safe for them; raise `keep_versions` if you read old versions explicitly.
        """
        with self.writing(), writing_errors(self.path):
            self.sync_index()  # a damaged store refuses to be written
            for table in (self._chunks, self._documents):
                table.checkout_latest()
                with warnings.catch_warnings():  # "readers of old versions will fail": see above
                    warnings.simplefilter("ignore", UserWarning)
                    table.optimize(cleanup_older_than=keep_versions, delete_unverified=True)
            self.sync_lexical_and_links(rebuild=True)
            self._sync.forget(index=True)
            self.sync_index(persist=True, rebuild=True)

    def next_seqs(self, n: int) -> np.ndarray:
        """`n` fresh row numbers above every seq ever stored or indexed (writer only)."""
        return self._sync.next_seqs(n)

    def sync_index(self, *, persist: bool = False, rebuild: bool = False) -> VectorIndex:
        """Bring the FAISS index up to the latest table version and return it (`IndexSync`)."""
        return self._sync.sync(persist=persist, rebuild=rebuild)

    def sync_lexical_and_links(self, *, rebuild: bool = False) -> None:
        """Bring the lexical index and the link table up to the committed chunks (writer only).

        The hook every write path calls after its commit (ingest, delete, compact; a
        distributed ingest too), before `sync_index` (a new full-text index is a new table
        version): `lexical.refresh_lexical_index`, then `LinkTable.sync`.
        """
        refresh_lexical_index(self._chunks, force=rebuild)  # lexical index
        if self._links is None:
            self._links = LinkTable.open(self._db, create=True)
        self._links.sync(self._chunks)  # link table

    # -- reading -------------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        k: int = 10,
        where: str | None = None,
        levels: Sequence[str] = (),
        mode: str = DEFAULT_MODE,
    ) -> list[Hit]:
        """The `k` chunks that best match `query`, best first.

        Args:
            query: Text to embed with the store's embedder (and match against the lexical
                index).
            k: Number of hits.
            where: Optional LanceDB SQL predicate on chunk columns, e.g. `doc_id = 'a.md'`;
                filtered searches run exactly in LanceDB with the filter applied first. It
                must be one predicate (`mnemonic.filters.check_where`; `ConfigError`).
            levels: Levels whose stored column values come back in `Hit.stored` (read in
                the same query as the hits).
            mode: `hybrid` (default: dense and BM25 rankings fused by reciprocal rank),
                `dense` (cosine similarity, FAISS) or `lexical` (BM25); see
                `mnemonic.hybrid`. `Hit.score` is the cosine similarity in every mode.
        """
        if not isinstance(query, str) or not query.strip():
            raise ConfigError("the query is empty")
        check_unicode(query, "the query", error=ConfigError)
        vector = self.embed([query])[0]
        return self.search_by_vector(vector, k=k, where=where, levels=levels, text=query, mode=mode)

    def _level_columns(self, levels: Sequence[str]) -> list[str]:
        """The store columns of `levels` that this store's table has (text has none)."""
        present = self.columns
        columns = [LEVELS[level].column for level in levels]
        return [column for column in columns if column and column in present]

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
        wanted = ["id", "doc_id", "chunk_index", "metadata", *level_columns(level)]
        wanted = [c for c in wanted if c in self.columns]  # see _check_columns
        select = list(dict.fromkeys([*wanted, *VERIFY_COLUMNS]))
        rows = self._sync.snapshot()
        rows.raise_if_damaged(self.path)
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), 512):
            batch = ids[start : start + 512]
            predicate = f"id IN ({', '.join(sql_quote(i) for i in batch)})"
            with reading(self.path, "chunks table rows"):
                query = self._chunks.search().where(predicate).select(select).limit(None)
                records = query.to_arrow().to_pylist()
            seqs = np.asarray([r["seq"] for r in records], np.int64)
            for record, row in zip(verified(self.path, records), rows.locate(seqs), strict=True):
                if row >= 0:  # a committed version
                    found.setdefault(record["id"], {c: record[c] for c in wanted})
        missing = [i for i in ids if i not in found]
        if missing:
            shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
            raise ChunkNotFoundError(f"{len(missing)} chunk id(s) not in the store: {shown}")
        return [chunk_from_record(found[i]) for i in ids]

    def snapshot(self) -> Snapshot:
        """What readers see now: visible rows, committed documents, problems found."""
        return self._sync.snapshot()

    def damage(self) -> str | None:
        """The one-line error a search would raise for damage found by the cheap checks
        (`Snapshot.problems`, unreadable tables); None when the store checks out."""
        try:
            self._sync.snapshot().raise_if_damaged(self.path)
        except StoreCorruptError as error:
            return str(error)
        return None

    def stats(self) -> StoreStats:
        """Counts of committed documents and their chunks, bytes on disk, the index in use.

        Raises:
            StoreCorruptError: The store is damaged (see `damage`).
        """
        with self._sync.lock:
            index = self.sync_index()
            rows = self._sync.rows
        return StoreStats(
            documents=rows.documents,
            chunks=rows.chunks,
            bytes_on_disk=_bytes_on_disk(self.path),
            index_kind=index.kind if index.ntotal else "none",
            index_vectors=index.ntotal,
            table_version=rows.chunks_version,
            embedder_id=self.manifest.embedder_id,
            base_model=self.manifest.base_model,
        )

    def close(self) -> None:
        """Release the writer lock if held (tables need no closing)."""
        self._writer.release()

    def __enter__(self) -> MnemonicStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _bytes_on_disk(folder: Path) -> int:
    """Sum of file sizes under `folder` (files a writer renames away meanwhile are skipped)."""
    total = 0
    for path in folder.rglob("*"):
        with contextlib.suppress(OSError):
            if path.is_file():
                total += path.stat().st_size
    return total
