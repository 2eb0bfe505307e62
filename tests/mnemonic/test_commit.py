"""The commit protocol: readers see committed document versions only, whatever a writer left.

A writer that stops between writing rows and committing them (here: a pipeline abandoned
mid-document, exactly what SIGKILL leaves; `test_processes.py` kills real processes) must
not change what searches, `get` and `stats` return; lost rows and lost table versions must
be reported, never answered around.
"""

from __future__ import annotations

import dataclasses
import shutil

import pytest

from mnemonic import ChunkNotFoundError, Document, MnemonicStore, StoreCorruptError
from mnemonic.ingest import IngestPipeline
from mnemonic.readers import source_from_document
from mnemonic.salvage import table_versions
from tests.mnemonic.conftest import make_documents


def _rows(store: MnemonicStore) -> list[dict]:
    columns = ["id", "doc_id", "doc_hash"]
    return store._chunks.search().select(columns).limit(None).to_arrow().to_pylist()


def _committed(store: MnemonicStore) -> dict[str, str]:
    table = store._documents.search().select(["doc_id", "doc_hash"]).limit(None).to_arrow()
    return dict(zip(table["doc_id"].to_pylist(), table["doc_hash"].to_pylist(), strict=True))


class Killed(Exception):
    """Where the writer "dies"."""


def _die_midway(store: MnemonicStore, doc: Document) -> None:
    """Ingest `doc` but die half-way through its text: some of its rows are written (several
    flushes), its commit never happens, as when the process is killed."""
    source = source_from_document(doc, block_chars=262_144)
    sentences = doc.text.split(". ")

    def blocks():
        yield ". ".join(sentences[: len(sentences) // 2]) + ". "
        raise Killed

    with store.writing():
        store.sync_index()
        pipeline = IngestPipeline(store, progress=False)
        with pytest.raises(Killed):
            pipeline.add(dataclasses.replace(source, blocks=blocks))
        pipeline.close()


def _long(doc_id: str, topic: str) -> Document:
    text = " ".join(f"Line {j} says the {topic} of {doc_id} glows in hall {j}." for j in range(40))
    return Document(doc_id, text)


def test_readers_see_only_committed_versions_after_an_interrupted_write(make_store):
    store = make_store(flush_rows=4)
    store.add_documents([_long("doc0", "lantern"), *make_documents(3, prefix="other")])
    v1_ids = {r["id"] for r in _rows(store) if r["doc_id"] == "doc0"}
    committed_before = _committed(store)
    stats_before = store.stats()

    new_version = _long("doc0", "volcano")  # an upsert of doc0, and a new document
    _die_midway(store, new_version)
    _die_midway(store, _long("fresh", "volcano"))
    rows = _rows(store)
    uncommitted = [r for r in rows if committed_before.get(r["doc_id"]) != r["doc_hash"]]
    assert {r["doc_id"] for r in uncommitted} == {"doc0", "fresh"}  # both half-written

    reader = make_store()  # a fresh reader (a restarted service) and the writer's own object
    for view in (reader, store):
        hits = view.search("the volcano glows in hall", k=50)
        assert hits and all(h.doc_id != "fresh" for h in hits)
        assert {h.id for h in hits if h.doc_id == "doc0"} <= v1_ids
        filtered = view.search("volcano", k=50, where="doc_id = 'doc0' OR doc_id = 'fresh'")
        assert filtered and {h.id for h in filtered} <= v1_ids
        with pytest.raises(ChunkNotFoundError):
            view.get([uncommitted[0]["id"]])
        stats = view.stats()
        assert (stats.documents, stats.chunks) == (stats_before.documents, stats_before.chunks)
        assert view.snapshot().hidden == len(uncommitted)

    report = store.add_documents([new_version])  # a rerun resumes and commits
    assert report.chunks_resumed > 0 and report.documents_written == 1
    hits = store.search("the volcano glows in hall", k=50)
    assert {h.doc_id for h in hits} >= {"doc0"} and not {h.id for h in hits} & v1_ids
    assert all(r["doc_id"] != "fresh" for r in _rows(store))  # the write ended: collected
    assert {r["id"] for r in _rows(store)}.isdisjoint(v1_ids)


def test_a_delete_interrupted_after_its_commit_hides_the_document(make_store):
    store = make_store()
    store.add_documents(make_documents(4))
    store._documents.delete("doc_id = 'doc2'")  # the commit landed; the rows were not removed
    assert any(r["doc_id"] == "doc2" for r in _rows(store))
    assert all(h.doc_id != "doc2" for h in store.search("beetles in town 2", k=50))
    assert store.stats().documents == 3
    store.add_documents(make_documents(1, prefix="later"))  # the next write collects them
    assert all(r["doc_id"] != "doc2" for r in _rows(store))


def test_lost_chunk_rows_are_reported_not_answered_around(make_store):
    store = make_store()
    store.add_documents(make_documents(4))
    store._chunks.delete("doc_id = 'doc1' AND chunk_index = 0")  # rows lost behind its back
    for call in (
        lambda: store.search("glass bridges in town 1", k=5),
        lambda: store.search("x", k=5, where="doc_id = 'doc1'"),
        lambda: store.get([_rows(store)[0]["id"]]),
        store.stats,
        lambda: store.add_documents(make_documents(1, prefix="new")),
    ):
        with pytest.raises(StoreCorruptError, match=r"doc1.*hyperword store check .* --repair"):
            call()
    assert "doc1" in (store.damage() or "")


def test_lost_table_versions_are_reported(make_store, tmp_path):
    store = make_store()
    store.add_documents(make_documents(3))
    store.add_documents(make_documents(2, prefix="late"))  # the newest commit
    (_version, newest), *_ = table_versions(tmp_path / "store", "documents")
    newest.unlink()  # documents goes back one version: "late*" would vanish silently
    with pytest.raises(StoreCorruptError, match="table versions were lost"):
        make_store().search("beetles", k=3)


def test_a_store_missing_a_table_is_damaged_not_empty(make_store, tmp_path):
    make_store().add_documents(make_documents(3))
    shutil.rmtree(tmp_path / "store" / "chunks.lance")
    with pytest.raises(StoreCorruptError, match="table chunks is missing"):
        make_store()
