"""Row layout of a store (pyarrow schemas) and the typed records the API hands out.

A store has two LanceDB tables:

- `chunks`, one row per chunk: ids, text, the retrieval vector and one column per level that
  has one (`hyperword.levels.stored_levels()`): `hyperword_ids` is `list<int32>`;
  `scene_vectors`, `concept_vectors` (every soft level's `<name>_vectors`) are
  `list<list<float16>>`, one inner list per soft token, `(n_slots, d_model)` when read back as
  a numpy array. They are null until a chunk encoder for that level is registered with the
  store.
- `documents`, one row per committed document: the content hash that makes ingest
  idempotent and resumable (a document counts as stored once its row is here).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from hyperword.levels import LEVELS, stored_levels

__all__ = [
    "Chunk",
    "Document",
    "Hit",
    "StoreStats",
    "chunk_id",
    "chunks_schema",
    "documents_schema",
    "level_columns",
]

COLUMN_TYPES = {"ids": pa.list_(pa.int32()), "vectors": pa.list_(pa.list_(pa.float16()))}


def chunk_id(doc_id: str, doc_hash: str, index: int, text: str) -> str:
    """Content hash of a chunk (32 hex chars): its row id, checked on every read."""
    digest = hashlib.sha256(f"{doc_id}\0{doc_hash}\0{index}\0".encode())
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:32]


def chunks_schema(dim: int) -> pa.Schema:
    """Schema of the `chunks` table for a retrieval vector of `dim` float32 values."""
    return pa.schema(
        [
            pa.field("id", pa.string(), nullable=False),  # content hash of the chunk
            pa.field("seq", pa.int64(), nullable=False),  # store-local row number = FAISS id
            pa.field("doc_id", pa.string(), nullable=False),
            pa.field("doc_hash", pa.string(), nullable=False),
            pa.field("chunk_index", pa.int32(), nullable=False),
            pa.field("text", pa.string(), nullable=False),
            pa.field("text_tokens", pa.int32(), nullable=False),  # base-model token count
            *(
                pa.field(level.column, COLUMN_TYPES[level.column_type], nullable=True)
                for level in stored_levels()
            ),
            pa.field("vector", pa.list_(pa.float32(), dim), nullable=False),
            pa.field("metadata", pa.string(), nullable=True),  # JSON object
            pa.field("embedder_id", pa.string(), nullable=False),
            pa.field("base_model", pa.string(), nullable=False),
            pa.field("encoder_id", pa.string(), nullable=True),  # JSON {level: id}
            pa.field("encoder_version", pa.string(), nullable=True),  # JSON {level: version}
        ]
    )


def documents_schema() -> pa.Schema:
    """Schema of the `documents` table (one row per committed document)."""
    return pa.schema(
        [
            pa.field("doc_id", pa.string(), nullable=False),
            pa.field("doc_hash", pa.string(), nullable=False),
            pa.field("chunks", pa.int32(), nullable=False),
            pa.field("source", pa.string(), nullable=True),
            pa.field("metadata", pa.string(), nullable=True),
            pa.field("ingested_at", pa.float64(), nullable=False),  # unix seconds
        ]
    )


@dataclass(frozen=True)
class Document:
    """A document to ingest: its id (the upsert key), its text and free-form metadata."""

    doc_id: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)


class _LevelColumns:
    """Reads a level's stored value by its column name (`chunk.scene_vectors`)."""

    stored: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        for level in stored_levels():
            if level.column == name:
                return self.__dict__.get("stored", {}).get(level.name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


@dataclass(frozen=True)
class Chunk(_LevelColumns):
    """One stored chunk, with the stored values of the levels that were asked for.

    Attributes:
        stored: Level name -> its column's value: hyperword ids (`list[int]`), soft tokens
            (`(n_slots, d_model)` float16); None where no encoder filled it. Also readable by
            column name (`chunk.hyperword_ids`, `chunk.scene_vectors`).
    """

    id: str
    doc_id: str
    chunk_index: int
    text: str | None = None
    text_tokens: int | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    stored: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Hit(_LevelColumns):
    """A search result: the chunk and its cosine similarity to the query (higher is closer).

    Attributes:
        score: Cosine similarity of the chunk's retrieval vector to the query's, in every
            search mode (the hits' order is the mode's: see `mnemonic.hybrid`).
        lexical_score: Its BM25 score when the lexical index returned it, else None.
        fused_score: Its reciprocal-rank-fusion score in hybrid mode, else None.
        stored: Level name -> stored value, for the levels the search was asked to read
            (`search(..., levels=...)`); see `Chunk.stored`.
    """

    id: str
    doc_id: str
    chunk_index: int
    score: float
    text: str
    text_tokens: int
    metadata: dict[str, Any] = field(default_factory=dict)
    stored: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    lexical_score: float | None = None
    fused_score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The hit as JSON-ready data (stored level values left out)."""
        return {
            "id": self.id,
            "doc_id": self.doc_id,
            "chunk_index": self.chunk_index,
            "score": self.score,
            "text": self.text,
            "text_tokens": self.text_tokens,
            "metadata": self.metadata,
            "lexical_score": self.lexical_score,
            "fused_score": self.fused_score,
        }


def level_columns(level: str) -> list[str]:
    """The `chunks` columns that hold `level` (its text columns for `text`)."""
    column = LEVELS[level].column
    return ["text", "text_tokens"] if column is None else [column]


@dataclass(frozen=True)
class StoreStats:
    """Size of a store."""

    documents: int
    chunks: int
    bytes_on_disk: int
    index_kind: str  # the FAISS index kind in use ("flat", "hnsw", ...), "none" when empty
    index_vectors: int
    table_version: int
    embedder_id: str
    base_model: str
