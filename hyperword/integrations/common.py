"""What both framework integrations share: hits and planned sources as metadata, documents
from any retriever as the orchestrator's input, and compressing with either engine."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = [
    "PLANNED_BUDGET",
    "PLANNED_SOURCE",
    "SourceDocument",
    "compress_documents",
    "context_from_sources",
    "hit_metadata",
    "source_metadata",
]

HIT_KEYS = ("doc_id", "chunk_id", "chunk_index", "score", "level")  # the metadata we add
SOURCE_KEYS = (*HIT_KEYS, "context_tokens", "cut", "excerpt", "rest")
# metadata an `Orchestrator`-planned source carries for our model to read (not JSON)
PLANNED_SOURCE, PLANNED_BUDGET = "hyperword_source", "hyperword_budget"


@dataclass(frozen=True)
class SourceDocument:
    """A document from any retriever, as the orchestrator's planning reads it."""

    text: str
    id: str
    doc_id: str
    chunk_index: int = 0
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, text: str, metadata: Mapping[str, Any], position: int) -> SourceDocument:
        """From a framework document's text and metadata (`doc_id`, `chunk_id`,
        `chunk_index` are read when there; otherwise an id from the position and text)."""
        digest = hashlib.sha256(text.encode()).hexdigest()[:12]
        chunk_id = str(metadata.get("chunk_id") or f"document-{position}-{digest}")
        doc_id = metadata.get("doc_id") or metadata.get("source") or chunk_id
        index = metadata.get("chunk_index")
        return cls(
            text=text,
            id=chunk_id,
            doc_id=str(doc_id),
            chunk_index=int(index) if isinstance(index, int) else 0,
            metadata=dict(metadata),
        )


def hit_metadata(hit: Any) -> dict[str, Any]:
    """A store hit's metadata plus where it comes from: `doc_id`, `chunk_id`,
    `chunk_index`, `score` (cosine similarity) and `level` (`text`: it is verbatim)."""
    return {
        **(hit.metadata or {}),
        "doc_id": hit.doc_id,
        "chunk_id": hit.id,
        "chunk_index": hit.chunk_index,
        "score": float(hit.score),
        "level": "text",
    }


def source_metadata(
    source: Any, original: Mapping[str, Any], *, budget: int | None = None
) -> dict[str, Any]:
    """A planned source's metadata: the original's, plus its level, the context tokens it
    takes (marker included), the score, whether it was cut to an excerpt, and whether it
    is the rest of the excerpt before it (soft tokens, `orchestrator.rests`). With
    `budget` (planned for our model), also the source itself and the budget, for
    `HyperwordChatModel` to read it at its level."""
    planned = {} if budget is None else {PLANNED_SOURCE: source, PLANNED_BUDGET: budget}
    return {
        **original,
        "doc_id": source.doc_id,
        "chunk_id": source.chunk_id,
        "chunk_index": source.chunk_index,
        "score": source.score,
        "level": source.level,
        "context_tokens": source.tokens,
        "cut": source.cut,
        "excerpt": source.excerpt,
        "rest": source.rest,
        **planned,
    }


def compress_documents(
    engine: Any, question: str, documents: Sequence[SourceDocument], options: Mapping[str, Any]
) -> Any:
    """Plan `documents` under the budget with `engine`: an `Orchestrator` (our model reads
    the result: hyperword ids, soft tokens) or a `TextCompressor` (text for any LLM).
    Returns the `CompressedContext`."""
    return engine.compress(question, documents=list(documents), **dict(options))


def context_from_sources(question: str, sources: Sequence[Any], *, budget: int) -> Any:
    """A `CompressedContext` of planned sources carried by documents (numbered again in
    their order, so documents a later step dropped leave no gap), planned under `budget`."""
    from orchestrator.compression import CompressedContext

    renumbered = tuple(replace(source, n=n) for n, source in enumerate(sources, start=1))
    tokens = sum(source.tokens for source in renumbered)
    return CompressedContext(
        question=question,
        budget=budget,
        sources=renumbered,
        dropped=(),
        context_tokens=tokens,
        full_context_tokens=sum(source.text_tokens for source in renumbered),
        levels=tuple(dict.fromkeys(source.level for source in renumbered)),
        retrieved=len(renumbered),
    )
