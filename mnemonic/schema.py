"""Row layout of a store (pyarrow schemas) and the typed records the API hands out.

A store has two LanceDB tables:

- `chunks`, one row per chunk: ids, text, the retrieval vector and the columns later levels
  fill. `scene_vectors` and `concept_vectors` are `list<list<float16>>`: one inner list per
  soft token, `(n_slots, d_model)` when read back as a numpy array. They are null until a
  chunk encoder for that level is registered with the store.
- `documents`, one row per committed document: the content hash that makes ingest
  idempotent and resumable (a document counts as stored once its row is here).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

__all__ = [
    "LEVELS",
    "Chunk",
    "Document",
    "Hit",
    "StoreStats",
    "chunks_schema",
    "documents_schema",
]

LEVELS = ("text", "hyperword", "scene", "concept")

SOFT_VECTORS = pa.list_(pa.list_(pa.float16()))


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
            pa.field("hyperword_ids", pa.list_(pa.int32()), nullable=True),
            pa.field("scene_vectors", SOFT_VECTORS, nullable=True),
            pa.field("concept_vectors", SOFT_VECTORS, nullable=True),
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


@dataclass(frozen=True)
class Chunk:
    """One stored chunk; fields of levels that were not requested (or not encoded) are None."""

    id: str
    doc_id: str
    chunk_index: int
    text: str | None = None
    text_tokens: int | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    hyperword_ids: list[int] | None = None
    scene_vectors: np.ndarray | None = None  # (n_slots, d_model) float16
    concept_vectors: np.ndarray | None = None  # (n_slots, d_model) float16


@dataclass(frozen=True)
class Hit:
    """A search result: the chunk and its cosine similarity to the query (higher is closer)."""

    id: str
    doc_id: str
    chunk_index: int
    score: float
    text: str
    text_tokens: int
    metadata: dict[str, Any] = field(default_factory=dict)


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
