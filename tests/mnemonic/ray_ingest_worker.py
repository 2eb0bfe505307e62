"""Subprocess helper: `python -m tests.mnemonic.ray_ingest_worker STORE CORPUS RAY_ADDRESS`.

Ingests the CORPUS folder on the Ray cluster at RAY_ADDRESS with small writes (so a kill lands
mid-run) and prints "done" at the end. Used by the driver-SIGKILL test.
"""

from __future__ import annotations

import sys

from hyperword.models import load_embedder
from mnemonic import MnemonicStore, ingest_files
from tests.mnemonic.conftest import SMALL_CHUNKS, tiny_tokenizer_named


def main() -> None:
    store_dir, corpus, address = sys.argv[1:4]
    store = MnemonicStore(
        store_dir,
        embedder=load_embedder(device="cpu"),
        tokenizer=tiny_tokenizer_named(),
        chunking=SMALL_CHUNKS,
        flush_rows=8,
    )
    report = ingest_files([corpus], store, workers=1, batch_size=4, address=address)
    print("done", report.chunks_written, report.chunks_resumed, flush=True)


if __name__ == "__main__":
    main()
