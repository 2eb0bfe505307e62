"""A store of one example's documents, as a retrieval method sees them (real LanceDB + FAISS).

With `MethodContext.store_cache` (a folder; benchmarks pass `OUT/stores`), the store of an
example is built once and opened again by every later cell that asks the same example with
the same chunking, tokenizer and embedder: a store's contents depend on nothing else, and
retrieval methods only read it. A store is used only once its build finished (a `complete`
file written last); an interrupted build is removed and made again.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from eval.methods.base import MethodContext
from eval.tasks.base import Example

__all__ = ["example_store", "store_key"]

COMPLETE = "complete"


def example_store(
    ctx: MethodContext, example: Example, folder: Path, *, chunk_tokens: int, overlap_tokens: int
):
    """A `MnemonicStore` holding `example.documents`, chunked and embedded: in `folder`, or
    in `ctx.store_cache` (built there once, reused after)."""
    from mnemonic import ChunkingConfig, MnemonicStore

    chunking = ChunkingConfig(chunk_tokens=chunk_tokens, overlap_tokens=overlap_tokens)
    if ctx.store_cache is not None:
        folder = Path(ctx.store_cache) / store_key(ctx, example, chunking)
        if (folder / COMPLETE).is_file():
            return MnemonicStore(folder, tokenizer=ctx.tokenizer, embedder=ctx.embedder)
        shutil.rmtree(folder, ignore_errors=True)
    store = MnemonicStore(folder, tokenizer=ctx.tokenizer, embedder=ctx.embedder, chunking=chunking)
    store.add_documents(
        [{"doc_id": title, "text": text} for title, text in example.documents], progress=False
    )
    if ctx.store_cache is not None:
        (folder / COMPLETE).write_text("")
    return store


def store_key(ctx: MethodContext, example: Example, chunking) -> str:
    """A folder name that changes with anything the store's contents depend on."""
    from mnemonic.manifest import embedder_identity

    embedder_id, dim = embedder_identity(ctx.embedder)
    settings = {
        "example": example.id,
        "documents": [list(doc) for doc in example.documents],
        "chunking": [chunking.chunk_tokens, chunking.overlap_tokens],
        "tokenizer": [str(getattr(ctx.tokenizer, "name_or_path", "")), len(ctx.tokenizer)],
        "embedder": [embedder_id, dim],
    }
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:20]
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in str(example.id)[:40])
    return f"{safe}-{digest}"
