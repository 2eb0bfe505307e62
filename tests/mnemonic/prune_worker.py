"""Subprocess helper: `python -m tests.mnemonic.prune_worker STORE FOLDER`.

Runs `ingest_paths(FOLDER, prune=True)` and kills itself with SIGKILL right after the
first prune group's `documents` rows are deleted, before its chunks are: the worst moment
for a crash. Used by the prune SIGKILL test.
"""

from __future__ import annotations

import os
import signal
import sys

from hyperword.models import load_embedder
from mnemonic import MnemonicStore
from tests.mnemonic.conftest import SMALL_CHUNKS, tiny_tokenizer_named


def main() -> None:
    store_dir, folder = sys.argv[1], sys.argv[2]
    store = MnemonicStore(
        store_dir,
        embedder=load_embedder(device="cpu"),
        tokenizer=tiny_tokenizer_named(),
        chunking=SMALL_CHUNKS,
    )
    delete = store._documents.delete

    def delete_then_die(predicate: str) -> None:
        delete(predicate)
        if predicate.startswith("doc_id IN"):  # the prune's delete, not ingest's upsert
            os.kill(os.getpid(), signal.SIGKILL)

    store._documents.delete = delete_then_die
    store.ingest_paths([folder], prune=True)
    print("not killed", flush=True)


if __name__ == "__main__":
    main()
