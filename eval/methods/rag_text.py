"""`rag-text`: retrieve chunks from a mnemonic store and read the best ones verbatim.

Each example's documents go into a store of their own (real LanceDB on disk + FAISS), chunked
by the target model's tokens; the top-scoring chunks are kept, most relevant first, while they
fit the budget.
"""

from __future__ import annotations

from typing import Any

from eval.methods.base import MethodContext, TextContextMethod, register_method
from eval.methods.example_store import example_store
from eval.tasks.base import Example

__all__ = ["RagText"]


@register_method("rag-text")
class RagText(TextContextMethod):
    """Top retrieved chunks, verbatim, under the token budget."""

    uses_budget = True
    chunk_tokens = 128
    chunk_overlap = 16
    candidates = 16

    def __init__(self, context: MethodContext):
        super().__init__(context)
        self._examples_seen = 0

    def config(self) -> dict[str, Any]:
        return {
            "budget": self.ctx.budget,
            "chunk_tokens": self.chunk_tokens,
            "chunk_overlap": self.chunk_overlap,
            "embedder": "all-minilm-l6-v2",
        }

    def build_context(self, example: Example) -> tuple[str | None, dict[str, Any]]:
        hits = self._retrieve(example)
        chosen, used = [], 0
        for hit in hits:
            if used + hit.text_tokens > self.ctx.budget:
                continue
            chosen.append(hit)
            used += hit.text_tokens
        details = {
            "sources": [{"doc_id": h.doc_id, "score": round(float(h.score), 4)} for h in chosen],
            "gold_retrieved": bool(
                example.gold_titles and any(h.doc_id in example.gold_titles for h in chosen)
            ),
        }
        return "\n\n".join(h.text for h in chosen), details

    def _retrieve(self, example: Example):
        self._examples_seen += 1
        folder = self.ctx.workdir / f"rag-text-{self._examples_seen}"
        store = example_store(
            self.ctx,
            example,
            folder,
            chunk_tokens=self.chunk_tokens,
            overlap_tokens=self.chunk_overlap,
        )
        return store.search(example.question, k=self.candidates)
