"""The memory store: LanceDB rows + FAISS index, chunking, ingest."""

from __future__ import annotations

import mnemonic.parquet_reader  # noqa: F401  (registers the .parquet reader)
from mnemonic.chunking import Chunker, ChunkingConfig, TextChunk
from mnemonic.encoders import (
    ChunkEncoder,
    chunk_encoders,
    create_chunk_encoder,
    register_chunk_encoder,
)
from mnemonic.exceptions import (
    ChunkNotFoundError,
    ConfigError,
    IncompatibleStoreError,
    IndexLoadError,
    InputFileError,
    StoreBusyError,
    StoreCorruptError,
    StoreError,
    StoreReadOnlyError,
)
from mnemonic.hyperword_encoder import HyperwordChunkEncoder
from mnemonic.index import IndexConfig, IndexKind, VectorIndex, register_index
from mnemonic.ingest import IngestReport
from mnemonic.ray_ingest import ingest_dataset, ingest_files
from mnemonic.readers import SkippedInput, register_reader
from mnemonic.schema import Chunk, Document, Hit, StoreStats
from mnemonic.soft_encoder import (
    SoftTokenChunkEncoder,
    load_soft_chunk_encoders,
    soft_chunk_encoders,
)
from mnemonic.store import MnemonicStore

__all__ = [
    "Chunk",
    "ChunkEncoder",
    "ChunkNotFoundError",
    "Chunker",
    "ChunkingConfig",
    "ConfigError",
    "Document",
    "Hit",
    "HyperwordChunkEncoder",
    "IncompatibleStoreError",
    "IndexConfig",
    "IndexKind",
    "IndexLoadError",
    "IngestReport",
    "InputFileError",
    "MnemonicStore",
    "SkippedInput",
    "SoftTokenChunkEncoder",
    "StoreBusyError",
    "StoreCorruptError",
    "StoreError",
    "StoreReadOnlyError",
    "StoreStats",
    "TextChunk",
    "VectorIndex",
    "chunk_encoders",
    "create_chunk_encoder",
    "ingest_dataset",
    "ingest_files",
    "load_soft_chunk_encoders",
    "register_chunk_encoder",
    "register_index",
    "register_reader",
    "soft_chunk_encoders",
]
