"""Real processes: an ingest killed with SIGKILL and resumed; a reader beside a writer."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import lancedb
import pytest

from tests.mnemonic.conftest import SMALL_CHUNKS

REPO = Path(__file__).resolve().parents[2]
N_DOCS = 30


def _worker(store: Path, n_docs: int, prefix: str = "doc") -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.mnemonic.ingest_worker", str(store), str(n_docs), prefix],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _rows(store: Path) -> int:
    try:
        return lancedb.connect(str(store)).open_table("chunks").count_rows()
    except (FileNotFoundError, ValueError, OSError):
        return 0


def _chunk_ids(store: Path) -> list[str]:
    table = lancedb.connect(str(store)).open_table("chunks")
    return table.search().select(["id"]).limit(None).to_arrow()["id"].to_pylist()


@pytest.mark.slow
def test_sigkill_mid_ingest_then_resume_stores_every_chunk_once(tmp_path):
    store = tmp_path / "killed"
    process = _worker(store, N_DOCS)
    deadline = time.monotonic() + 120
    while _rows(store) < 24:  # several commits in, far from the end
        assert process.poll() is None, process.stderr.read()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    partial = set(_chunk_ids(store))

    resumed = _worker(store, N_DOCS)
    out, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0 and "done" in out, err
    clean = _worker(tmp_path / "clean", N_DOCS)
    out, err = clean.communicate(timeout=300)
    assert clean.returncode == 0, err

    ids = _chunk_ids(store)
    assert [i for i, n in Counter(ids).items() if n > 1] == []  # each chunk exactly once
    assert sorted(ids) == sorted(_chunk_ids(tmp_path / "clean"))
    assert partial <= set(ids)  # nothing already stored was lost

    from mnemonic import MnemonicStore

    stats = MnemonicStore(store, create=False, chunking=SMALL_CHUNKS).stats()
    assert (stats.documents, stats.chunks, stats.index_vectors) == (N_DOCS, len(ids), len(ids))
    assert _links(store) == _links(tmp_path / "clean")  # the link table, each link once
    assert len(_links(store)) == len(set(_links(store)))


def _links(folder):
    table = lancedb.connect(str(folder)).open_table("links")
    rows = table.search().select(["chunk_id", "key"]).limit(None).to_arrow().to_pylist()
    return sorted((row["chunk_id"], row["key"]) for row in rows)


@pytest.mark.slow
def test_search_while_another_process_ingests(make_store, tmp_path):
    store = make_store()
    store.add_documents([])  # creates the tables and an empty index
    writer = _worker(tmp_path / "store", N_DOCS)
    searches, seen = 0, set()
    try:
        while writer.poll() is None:
            hits = store.search("beetles in town", k=5)
            seen.update(h.doc_id for h in hits)
            searches += 1
            time.sleep(0.05)  # leave the writer some CPU
    finally:
        _out, err = writer.communicate(timeout=300)
    assert writer.returncode == 0, err
    assert searches > 5 and seen
    final = store.search("beetles in town 2", k=3)
    assert final[0].doc_id == "doc2"
    assert store.stats().chunks == len(set(_chunk_ids(tmp_path / "store")))
