"""The per-chunk work of every ingest, single-process or on Ray: chunk, embed, encode.

`chunk_rows` turns a document into its chunk rows (ids, text, token counts, metadata);
`encode_columns` computes a batch's retrieval vectors and the stored levels' values. Both the
single-process pipeline (`mnemonic.ingest`) and the Ray workers (`mnemonic.ray_stages`) call
these, so both write the same rows. Each adds the seconds it spends to a `STAGES` dict.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from hyperword.levels import LEVELS
from mnemonic.schema import chunk_id

if TYPE_CHECKING:
    from mnemonic.chunking import Chunker
    from mnemonic.encoders import ChunkEncoder
    from mnemonic.readers import SourceDocument

__all__ = ["STAGES", "chunk_rows", "embed_texts", "encode_columns", "new_seconds"]

STAGES = ("read", "chunk", "embed", "encode", "write", "index")

T = TypeVar("T")


def new_seconds() -> dict[str, float]:
    """Zero seconds for every stage."""
    return dict.fromkeys(STAGES, 0.0)


def chunk_rows(
    source: SourceDocument, chunker: Chunker, seconds: dict[str, float]
) -> Iterator[dict[str, Any]]:
    """Every chunk row of `source`, stored or not (the caller skips those already stored)."""
    metadata = json.dumps(source.metadata, sort_keys=True, default=str)
    blocks = timed(source.blocks(), seconds, "read")
    for chunk in timed(chunker.chunk_blocks(blocks), seconds, "chunk", inner="read"):
        yield {
            "id": chunk_id(source.doc_id, source.doc_hash, chunk.index, chunk.text),
            "doc_id": source.doc_id,
            "doc_hash": source.doc_hash,
            "chunk_index": chunk.index,
            "text": chunk.text,
            "text_tokens": chunk.tokens,
            "metadata": metadata,
        }


def timed(
    items: Iterable[T], seconds: dict[str, float], stage: str, *, inner: str | None = None
) -> Iterator[T]:
    """`items`, adding the time spent producing them to `seconds[stage]`.

    With `inner`, time counted meanwhile under that (nested) stage is not counted twice.
    """
    iterator = iter(items)
    while True:
        start, nested = time.perf_counter(), seconds[inner] if inner else 0.0
        try:
            item = next(iterator)
        except StopIteration:
            return
        finally:
            spent = time.perf_counter() - start
            seconds[stage] += spent - ((seconds[inner] - nested) if inner else 0.0)
        yield item


def embed_texts(embedder: Any, texts: Sequence[str], *, batch_size: int) -> np.ndarray:
    """L2-normalized retrieval vectors `(len(texts), dim)` float32."""
    vectors = embedder.encode(
        list(texts),
        batch_size=batch_size,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)


def encode_columns(
    texts: Sequence[str],
    *,
    embed: Callable[[Sequence[str]], np.ndarray],
    encoders: Sequence[ChunkEncoder],
    seconds: dict[str, float],
) -> dict[str, Any]:
    """`vector` `(n, dim)` and each encoder's level column (values as the store keeps them).

    Encoders that share one model (`shared`, e.g. the soft levels of one `HyperwordEncoder`)
    read the texts once for all their levels (`encode_levels`).
    """
    start = time.perf_counter()
    columns: dict[str, Any] = {"vector": embed(texts)}
    seconds["embed"] += time.perf_counter() - start
    start = time.perf_counter()
    groups: defaultdict[int, list[ChunkEncoder]] = defaultdict(list)
    for encoder in encoders:
        groups[id(getattr(encoder, "shared", encoder))].append(encoder)
    for members in groups.values():
        first = members[0]
        if hasattr(first, "encode_levels"):
            values = first.encode_levels(texts, [member.level for member in members])
        else:
            values = {first.level: first.encode(texts)}
        for level_name, level_values in values.items():
            level = LEVELS[level_name]
            columns[level.column] = [level.to_column(value) for value in level_values]
    seconds["encode"] += time.perf_counter() - start
    return columns
