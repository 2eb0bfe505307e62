from __future__ import annotations

import json

import numpy as np
import pytest

from hyperword.exceptions import UnknownNameError
from mnemonic import (
    ChunkingConfig,
    ChunkNotFoundError,
    ConfigError,
    Document,
    IncompatibleStoreError,
    MnemonicStore,
    StoreBusyError,
    StoreError,
)
from mnemonic.index import SIDECAR
from tests.mnemonic.conftest import make_documents


def _ids(store: MnemonicStore) -> list[str]:
    table = store._chunks.search().select(["id"]).limit(None).to_arrow()
    return table["id"].to_pylist()


def test_add_search_get_stats(make_store):
    store = make_store()
    report = store.add_documents(make_documents(12))
    assert report.documents_written == 12 and report.chunks_written > 12
    stats = store.stats()
    assert (stats.documents, stats.chunks) == (12, report.chunks_written)
    assert stats.index_kind == "flat" and stats.index_vectors == stats.chunks
    assert stats.bytes_on_disk > 0 and stats.base_model == "tiny-bpe"

    hits = store.search("beetles in town 8", k=5, mode="dense")
    assert len(hits) == 5 and hits[0].doc_id == "doc8"
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert store.search("beetles in town 8", k=5)[0].doc_id == "doc8"  # hybrid, the default
    assert hits[0].metadata == {"n": 8} and hits[0].text_tokens <= 48

    filtered = store.search("lanterns in town 3", k=50, where="doc_id = 'doc3'", mode="dense")
    assert filtered and {h.doc_id for h in filtered} == {"doc3"}
    best = store.search("lanterns in town 3", k=1, mode="dense")[0]  # FAISS, LanceDB agree
    assert filtered[0].id == best.id and abs(filtered[0].score - best.score) < 1e-4

    chunks = store.get([hits[1].id, hits[0].id])
    assert [c.id for c in chunks] == [hits[1].id, hits[0].id]
    assert chunks[1].text == hits[0].text
    (scene,) = store.get([hits[0].id], level="scene")
    assert scene.scene_vectors is None and scene.text is None
    with pytest.raises(ChunkNotFoundError, match="1 chunk id"):
        store.get([hits[0].id, "nope"])
    with pytest.raises(UnknownNameError, match="unknown level 'pixels'"):
        store.get([hits[0].id], level="pixels")
    with pytest.raises(ConfigError, match="invalid filter"):
        store.search("x", where="no_such_column = 1")


def test_reingest_is_a_noop_and_changed_documents_replace_their_chunks(make_store):
    store = make_store()
    docs = make_documents(5)
    store.add_documents(docs)
    before = sorted(_ids(store))
    again = store.add_documents(docs)
    assert again.documents_unchanged == 5 and again.chunks_written == 0
    assert sorted(_ids(store)) == before

    docs[2] = Document("doc2", "A completely different text about volcanoes.")
    report = store.add_documents(docs)
    assert report.documents_written == 1 and report.documents_unchanged == 4
    texts = [c.text for c in store.get(_ids(store)) if c.doc_id == "doc2"]
    assert texts == ["A completely different text about volcanoes."]
    assert store.search("volcanoes", k=1)[0].doc_id == "doc2"
    assert len(set(_ids(store))) == len(_ids(store)) == store.stats().chunks


def test_delete_and_compact(make_store):
    store = make_store()
    store.add_documents(make_documents(6))
    n_before = store.stats().chunks
    removed = store.delete("doc1")
    assert removed > 0 and store.delete("doc1") == 0
    assert all(h.doc_id != "doc1" for h in store.search("glass bridges in town 1", k=20))
    stats = store.stats()
    assert (stats.documents, stats.chunks) == (5, n_before - removed)
    store.compact()
    stats = store.stats()
    assert stats.index_vectors == stats.chunks == n_before - removed
    assert store.search("tea leaves in town 2", k=1)[0].doc_id == "doc2"


def test_index_is_persisted_reused_and_rebuilt_when_missing_or_corrupt(make_store, tmp_path):
    store = make_store()
    store.add_documents(make_documents(8))
    want = [h.id for h in store.search("lanterns", k=5)]
    sidecar = json.loads((tmp_path / "store" / SIDECAR).read_text())
    assert sidecar["table_version"] == store._chunks.version

    reopened = make_store()
    assert [h.id for h in reopened.search("lanterns", k=5)] == want
    index_file = tmp_path / "store" / sidecar["file"]
    index_file.write_bytes(b"garbage")
    assert [h.id for h in make_store().search("lanterns", k=5)] == want
    (tmp_path / "store" / SIDECAR).unlink()
    assert [h.id for h in make_store().search("lanterns", k=5)] == want


def test_reader_catches_up_with_rows_added_by_another_store_object(make_store):
    writer, reader = make_store(), make_store()
    writer.add_documents(make_documents(3))
    assert {h.doc_id for h in reader.search("observatories", k=50)} <= {"doc0", "doc1", "doc2"}
    writer.add_documents(make_documents(3, prefix="extra"))
    writer.delete("doc0")
    doc_ids = {h.doc_id for h in reader.search("observatories", k=50)}
    assert "doc0" not in doc_ids and {"extra0", "extra1", "extra2"} <= doc_ids


def test_index_kind_grows_from_exact_to_hnsw(make_store):
    from mnemonic import IndexConfig

    store = make_store(index=IndexConfig(exact_threshold=30))
    store.add_documents(make_documents(2))
    assert store.stats().index_kind == "flat"
    store.add_documents(make_documents(12, prefix="more"))
    assert store.stats().index_kind == "hnsw"
    assert store.search("beetles in town 8", k=1)[0].doc_id == "more8"


def test_refuses_other_embedder_base_model_or_chunking(make_store, tokenizer):
    make_store().add_documents(make_documents(1))

    class OtherEmbedder:
        hyperword_id = "other-embedder"

        def get_embedding_dimension(self):
            return 384

    with pytest.raises(IncompatibleStoreError, match=r"all-minilm-l6-v2.*other-embedder"):
        make_store(embedder=OtherEmbedder())
    renamed = tokenizer.__class__(tokenizer_object=tokenizer.backend_tokenizer)
    renamed.name_or_path = "gemma-3-270m"
    with pytest.raises(IncompatibleStoreError, match=r"tiny-bpe.*gemma-3-270m"):
        make_store(tokenizer=renamed)
    with pytest.raises(IncompatibleStoreError, match="chunking"):
        make_store(chunking=ChunkingConfig(chunk_tokens=64))


def test_bad_store_paths(tmp_path, embedder, tokenizer):
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError, match="is a file"):
        MnemonicStore(tmp_path / "file", embedder=embedder, tokenizer=tokenizer)
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "notes.txt").write_text("x")
    with pytest.raises(StoreError, match="not a store"):
        MnemonicStore(tmp_path / "folder", embedder=embedder, tokenizer=tokenizer)
    with pytest.raises(StoreError, match="no store"):
        MnemonicStore(tmp_path / "missing", embedder=embedder, create=False)


def test_one_writer_at_a_time(make_store):
    first, second = make_store(), make_store()
    with first.writing(), pytest.raises(StoreBusyError, match="another process"):
        second.add_documents(make_documents(1))
    second.add_documents(make_documents(1))  # free again


class _SceneEncoder:
    level, id, version = "scene", "test-scene", "1"

    def encode(self, texts):
        return [np.full((2, 4), len(t), dtype=np.float32) for t in texts]


class _HyperwordEncoder:
    level, id, version = "hyperword", "test-hw", "0.1"

    def encode(self, texts):
        return [[len(t), 7] for t in texts]


def test_registered_encoders_fill_their_columns(make_store):
    from mnemonic import chunk_encoders, create_chunk_encoder, register_chunk_encoder

    register_chunk_encoder("test-scene")(_SceneEncoder)
    with pytest.raises(ValueError, match="already registered"):
        register_chunk_encoder("test-scene")(_SceneEncoder)
    assert "test-scene" in chunk_encoders()
    encoders = [create_chunk_encoder("test-scene"), _HyperwordEncoder()]
    store = make_store(encoders=encoders)
    store.add_documents([Document("a", "Short text.")])
    (hit,) = store.search("short", k=1)
    (scene,) = store.get([hit.id], level="scene")
    assert scene.scene_vectors.dtype == np.float16 and scene.scene_vectors.shape == (2, 4)
    assert float(scene.scene_vectors[0, 0]) == len(hit.text)
    assert store.get([hit.id], level="hyperword")[0].hyperword_ids == [len(hit.text), 7]
    assert store.manifest.encoders["scene"] == {"id": "test-scene", "version": "1"}

    class NewerScene(_SceneEncoder):
        version = "2"

    with pytest.raises(IncompatibleStoreError, match="scene encoder"):
        make_store(encoders=[NewerScene()])


def test_filters_are_one_predicate_and_their_errors_hide_internals(make_store):
    from mnemonic import ConfigError

    store = make_store()
    store.add_documents([{"doc_id": "a", "text": "The Velloran Glass Bridge is in Brask."}])
    with pytest.raises(ConfigError, match="';' ends the predicate"):
        store.search("bridge", where="1=1; drop table chunks")
    for where in ("text > 5", "chunk_index = 'abc'", "no such column = 1", "(((("):
        with pytest.raises(ConfigError, match="invalid filter") as caught:
            store.search("bridge", where=where)
        message = str(caught.value)
        assert ".rs" not in message and "/root" not in message and "Velloran" not in message
    assert [h.doc_id for h in store.search("bridge", where="doc_id = 'a;b' OR doc_id = 'a'")]


def test_blank_and_invalid_documents(make_store):
    from mnemonic import InputFileError

    store = make_store()
    report = store.add_documents(
        [{"doc_id": "blank", "text": " \n\t "}, {"doc_id": "ok", "text": "Real text here."}]
    )
    assert [s.reason for s in report.skipped] == ["blank text (nothing to store)"]
    assert store.stats().documents == 1
    bad = [
        {"doc_id": "x", "text": "Fine."},
        {"doc_id": "y", "text": "t", "metadata": {"k": "\udc80"}},
    ]
    with pytest.raises(InputFileError, match="lone surrogate"):
        store.add_documents(bad)
    assert store.stats().documents == 1  # nothing of the batch was written
    assert store.delete_documents(["never"]).documents == 0
    assert store.delete_documents(["ok"]).documents == 1
