"""A store of one example's documents, as a retrieval method sees them (real LanceDB + FAISS)."""

from __future__ import annotations

from pathlib import Path

from eval.methods.base import MethodContext
from eval.tasks.base import Example

__all__ = ["example_store"]


def example_store(
    ctx: MethodContext, example: Example, folder: Path, *, chunk_tokens: int, overlap_tokens: int
):
    """A `MnemonicStore` in `folder` holding `example.documents`, chunked and embedded."""
    from mnemonic import ChunkingConfig, MnemonicStore

    store = MnemonicStore(
        folder,
        tokenizer=ctx.tokenizer,
        embedder=ctx.embedder,
        chunking=ChunkingConfig(chunk_tokens=chunk_tokens, overlap_tokens=overlap_tokens),
    )
    store.add_documents(
        [{"doc_id": title, "text": text} for title, text in example.documents], progress=False
    )
    return store
