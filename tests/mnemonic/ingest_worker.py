"""Subprocess helper: `python -m tests.mnemonic.ingest_worker STORE N_DOCS [PREFIX [SENTENCES
[EDITION]]]`.

Ingests N_DOCS invented documents (SENTENCES each, default 5; EDITION > 0 rewords every
sentence, a new version of each document) with small writes (so a kill lands mid-run) and
prints "done" at the end. Used by the SIGKILL and concurrent-reader tests.
"""

from __future__ import annotations

import sys

from hyperword.models import load_embedder
from mnemonic import Document, MnemonicStore
from tests.mnemonic.conftest import SMALL_CHUNKS, make_documents, tiny_tokenizer_named


def main() -> None:
    store_dir, n_docs = sys.argv[1], int(sys.argv[2])
    prefix = sys.argv[3] if len(sys.argv) > 3 else "doc"
    sentences = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    edition = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    store = MnemonicStore(
        store_dir,
        embedder=load_embedder(device="cpu"),
        tokenizer=tiny_tokenizer_named(),
        chunking=SMALL_CHUNKS,
        flush_rows=8,
        batch_size=8,
    )
    docs = make_documents(n_docs, sentences=sentences, prefix=prefix)
    if edition:
        docs = [
            Document(d.doc_id, d.text.replace("Note", f"Edition {edition} note"), d.metadata)
            for d in docs
        ]
    store.add_documents(docs)
    print("done", flush=True)


if __name__ == "__main__":
    main()
