"""Subprocess helper: `python -m tests.mnemonic.ingest_worker STORE N_DOCS [PREFIX]`.

Ingests N_DOCS invented documents with small writes (so a kill lands mid-run) and prints
"done" at the end. Used by the SIGKILL-resume and concurrent-reader tests.
"""

from __future__ import annotations

import sys

from hyperword.models import load_embedder
from mnemonic import MnemonicStore
from tests.mnemonic.conftest import SMALL_CHUNKS, make_documents, tiny_tokenizer_named


def main() -> None:
    store_dir, n_docs = sys.argv[1], int(sys.argv[2])
    prefix = sys.argv[3] if len(sys.argv) > 3 else "doc"
    store = MnemonicStore(
        store_dir,
        embedder=load_embedder(device="cpu"),
        tokenizer=tiny_tokenizer_named(),
        chunking=SMALL_CHUNKS,
        flush_rows=8,
        batch_size=8,
    )
    store.add_documents(make_documents(n_docs, sentences=5, prefix=prefix))
    print("done", flush=True)


if __name__ == "__main__":
    main()
