"""The Ray Data stages of a distributed ingest: files or documents -> chunk rows -> encoded rows.

Each stage is a class that Ray Data runs in a pool of actors (`map_batches`), so a worker
loads its tokenizer, embedder and encoders once (pickled from the driver's, through Ray's
object store) and moves them to CUDA when it has a GPU. The stages call the functions the
single-process ingest calls (`mnemonic.readers.read_file`, `mnemonic.ingest_rows`), so both
produce the same rows.

One stream carries every kind of row (`KIND`): `chunk` rows to write, one `document` row per
new or changed document (its chunk count, so the driver commits it once all are written),
`unchanged` documents, `skipped` inputs with their reason, and a `file` row per file read.
The stages' seconds ride along in `*_s` columns (summed by the driver).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from mnemonic.chunking import Chunker, ChunkingConfig
from mnemonic.ingest import DocumentRecord
from mnemonic.ingest_rows import chunk_rows, embed_texts, encode_columns, new_seconds, timed
from mnemonic.readers import SkippedInput, SourceDocument, read_file, source_from_document

__all__ = ["KIND", "ChunkDocuments", "ChunkFiles", "EncodeChunks", "KnownDocuments", "WorkerParts"]

KIND = "kind"
CHUNK, DOCUMENT, UNCHANGED, SKIPPED, FILE = "chunk", "document", "unchanged", "skipped", "file"

STREAM_SCHEMA = pa.schema(
    [
        pa.field(KIND, pa.string()),
        pa.field("id", pa.string()),
        pa.field("doc_id", pa.string()),
        pa.field("doc_hash", pa.string()),
        pa.field("chunk_index", pa.int32()),
        pa.field("text", pa.string()),
        pa.field("text_tokens", pa.int32()),
        pa.field("metadata", pa.string()),
        pa.field("chunks", pa.int32()),  # document rows: its chunk count
        pa.field("resumed", pa.int32()),  # document rows: chunks already stored
        pa.field("source", pa.string()),  # document rows: where it came from; skipped: path
        pa.field("reason", pa.string()),  # skipped rows
        pa.field("read_s", pa.float64()),
        pa.field("chunk_s", pa.float64()),
    ]
)


@dataclass(frozen=True)
class WorkerParts:
    """What each encoding worker loads once: the embedder and the chunk encoders.

    Attributes:
        embedder: The embedder's name (`load_embedder` in the worker) or the model itself.
        encoders: The store's chunk encoders (a soft one loaded from a folder unpickles by
            loading that folder in the worker, on its GPU when it has one).
        columns: The encoded columns' types: `vector` and each encoder's level column.
    """

    embedder: Any
    encoders: list[Any]
    batch_size: int
    columns: pa.Schema


@dataclass(frozen=True)
class KnownDocuments:
    """What the store holds: committed hashes, and chunk ids of versions never committed."""

    committed: dict[str, str] = field(default_factory=dict)
    partial: dict[tuple[str, str], set[str]] = field(default_factory=dict)


class _Chunking:
    """Turns documents into stream rows, skipping unchanged documents and stored chunks."""

    def __init__(
        self, tokenizer: Any, chunking: ChunkingConfig, known: KnownDocuments, batch_size: int
    ):
        _threads()
        self.chunker = Chunker(tokenizer, chunking)
        self.block_chars = chunking.block_chars
        self.known = known
        self.batch_size = batch_size  # rows per table yielded: one encoding batch each

    def rows(self, sources: Iterable[SourceDocument], seconds: dict[str, float]) -> Iterator[dict]:
        for source in timed(sources, seconds, "read"):
            if self.known.committed.get(source.doc_id) == source.doc_hash:
                yield {KIND: UNCHANGED, "doc_id": source.doc_id}
                continue
            present = self.known.partial.get((source.doc_id, source.doc_hash), ())
            n = resumed = 0
            for row in chunk_rows(source, self.chunker, seconds):
                n += 1
                if row["id"] in present:
                    resumed += 1
                else:
                    yield {KIND: CHUNK, **row}
            record = asdict(DocumentRecord.of(source, n))
            yield {KIND: DOCUMENT, "resumed": resumed, **record}

    def tables(self, rows: Iterable[dict], seconds: dict[str, float]) -> Iterator[pa.Table]:
        """`rows` as tables of at most `batch_size` rows (each block an encoding task, so the
        workers share even one large file), the seconds on the last one."""
        batch: list[dict] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= self.batch_size:
                yield pa.Table.from_pylist(batch, schema=STREAM_SCHEMA)
                batch = []
        batch.append({KIND: FILE, "read_s": seconds["read"], "chunk_s": seconds["chunk"]})
        yield pa.Table.from_pylist(batch, schema=STREAM_SCHEMA)


def _skipped_rows(skipped: list[SkippedInput]) -> Iterator[dict]:
    for item in skipped:
        yield {KIND: SKIPPED, "source": item.path, "reason": item.reason}


class ChunkFiles(_Chunking):
    """Stage 1 for files: each `{path, doc_id}` row read by `read_file`, then chunked."""

    def __call__(self, batch: pa.Table) -> Iterator[pa.Table]:
        for record in batch.to_pylist():
            path, doc_id = record["path"], record["doc_id"]
            seconds, skipped = new_seconds(), []
            sources = read_file(Path(path), doc_id, block_chars=self.block_chars, skipped=skipped)
            rows = self.rows(sources, seconds)
            yield from self.tables(_then(rows, lambda s=skipped: _skipped_rows(s)), seconds)


class ChunkDocuments(_Chunking):
    """Stage 1 for a dataset of `{doc_id, text, metadata}` rows (metadata: a map or JSON)."""

    def __call__(self, batch: pa.Table) -> Iterator[pa.Table]:
        seconds, skipped = new_seconds(), []
        sources = []
        for number, record in enumerate(batch.to_pylist()):
            try:
                sources.append(
                    source_from_document(_document(record), block_chars=self.block_chars)
                )
            except ValueError as error:  # InputFileError: no doc_id, text not a string
                skipped.append(SkippedInput(f"row {record.get('doc_id')!r} ({number})", str(error)))
        yield from self.tables(
            _then(self.rows(sources, seconds), lambda: _skipped_rows(skipped)), seconds
        )


def _document(record: dict[str, Any]) -> dict[str, Any]:
    import json

    metadata = record.get("metadata")
    if isinstance(metadata, str):
        metadata = json.loads(metadata) if metadata.strip() else {}
    return {**record, "metadata": metadata or {}}


def _then(first: Iterable[dict], second: Any) -> Iterator[dict]:
    yield from first
    yield from second()


class EncodeChunks:
    """Stage 2: each chunk row's retrieval vector and level columns; other rows pass through."""

    def __init__(self, parts: WorkerParts):
        _threads()
        self.parts = parts
        self.encoders = parts.encoders  # soft ones load their encoder here (`__reduce__`)
        self.embedder = parts.embedder
        if isinstance(self.embedder, str):  # an embedder name: loaded here, CUDA when present
            from hyperword.models import load_embedder

            self.embedder = load_embedder(self.embedder)

    def embed(self, texts: list[str]) -> Any:
        return embed_texts(self.embedder, texts, batch_size=self.parts.batch_size)

    def encode(self, texts: list[str], seconds: dict[str, float]) -> dict[str, Any]:
        """The encoded columns of `texts`, the vectors as a fixed-size list array."""
        if not texts:
            return {name: [] for name in self.parts.columns.names}
        encoded = encode_columns(texts, embed=self.embed, encoders=self.encoders, seconds=seconds)
        dim = self.parts.columns.field("vector").type.list_size
        encoded["vector"] = pa.FixedSizeListArray.from_arrays(
            pa.array(encoded["vector"].reshape(-1), pa.float32()), dim
        )
        return encoded

    def __call__(self, batch: pa.Table) -> pa.Table:
        import pyarrow.compute as pc

        seconds = new_seconds()
        is_chunk = pc.equal(batch[KIND], CHUNK)
        chunks, others = batch.filter(is_chunk), batch.filter(pc.invert(is_chunk))
        encoded = self.encode(chunks["text"].to_pylist(), seconds)
        for name in self.parts.columns.names:
            column = self.parts.columns.field(name).type
            chunks = chunks.append_column(pa.field(name, column), pa.array(encoded[name], column))
            others = others.append_column(pa.field(name, column), pa.nulls(others.num_rows, column))
        times = [seconds["embed"], seconds["encode"]]
        out = pa.concat_tables([chunks, others])
        for name, value in zip(("embed_s", "encode_s"), times, strict=True):
            out = out.append_column(
                name, pa.array([value] + [0.0] * (out.num_rows - 1), pa.float64())
            )
        return out


def _threads() -> None:
    """One torch thread per worker unless OMP_NUM_THREADS says otherwise (Ray sets it)."""
    import os

    import torch

    torch.set_num_threads(max(1, int(os.environ.get("OMP_NUM_THREADS", "1") or 1)))
