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

from tests.mnemonic.conftest import SMALL_CHUNKS, make_documents

REPO = Path(__file__).resolve().parents[2]
N_DOCS = 30


def _worker(store: Path, n_docs: int, prefix: str = "doc", *extra: int) -> subprocess.Popen:
    args = [str(store), str(n_docs), prefix, *map(str, extra)]
    return subprocess.Popen(
        [sys.executable, "-m", "tests.mnemonic.ingest_worker", *args],
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


def _committed(store: Path) -> dict[str, str]:
    table = lancedb.connect(str(store)).open_table("documents").to_arrow()
    return dict(zip(table["doc_id"].to_pylist(), table["doc_hash"].to_pylist(), strict=True))


def _versions(store: Path) -> dict[str, tuple[str, str]]:
    table = lancedb.connect(str(store)).open_table("chunks")
    rows = table.search().select(["id", "doc_id", "doc_hash"]).limit(None).to_arrow()
    return {r["id"]: (r["doc_id"], r["doc_hash"]) for r in rows.to_pylist()}


def _kill_when(process: subprocess.Popen, ready) -> None:
    deadline = time.monotonic() + 180
    while not ready():
        assert process.poll() is None, process.stderr.read()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()


@pytest.mark.slow
def test_searches_after_a_killed_upsert_see_only_committed_versions(make_store, tmp_path):
    """Kill a writer mid-upsert (documents of ~12 chunks, commits every 8 rows): a reader
    opened afterwards (a restarted CLI or service) serves committed versions only."""
    store = tmp_path / "store"
    make_store().add_documents(make_documents(5, sentences=30))  # what the worker writes
    edition_one = _committed(store)

    upsert = _worker(store, 5, "doc", 30, 1)  # every document reworded
    _kill_when(upsert, lambda: _committed(store) != edition_one)  # a few committed, rest not
    committed, rows = _committed(store), _versions(store)
    pending = [key for key in rows.values() if committed.get(key[0]) != key[1]]
    assert pending, "the kill left no uncommitted rows: nothing was tested"

    from mnemonic import MnemonicStore

    reader = MnemonicStore(store, create=False, chunking=SMALL_CHUNKS)
    for query in ("Edition 1 note about beetles", "Note 3 of record 2 is about tea leaves"):
        for hits in (
            reader.search(query, k=40),
            reader.search(query, k=40, where="chunk_index >= 0"),
        ):
            assert hits
            for hit in hits:
                assert rows[hit.id] == (hit.doc_id, committed[hit.doc_id])  # never two versions
    assert reader.stats().chunks == len(rows) - len(pending)
