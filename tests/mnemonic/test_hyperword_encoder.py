"""Hyperword ids stored at ingest: exact expansion, recorded identity, mismatches refused."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from hyperword.tokenizer import HyperwordTokenizer
from mnemonic import (
    HyperwordChunkEncoder,
    IncompatibleStoreError,
    chunk_encoders,
    create_chunk_encoder,
)
from tests.mnemonic.conftest import make_documents


def _train(base, size: int = 60) -> HyperwordTokenizer:
    texts = [doc.text for doc in make_documents(6, sentences=4, prefix="train")]
    return HyperwordTokenizer.train(texts, base, num_hyperwords=size)


@pytest.fixture(scope="module")
def hyper(tokenizer):
    return _train(tokenizer)


def test_ingest_stores_ids_that_expand_to_the_chunk_tokens(make_store, hyper, tokenizer):
    assert "hyperword" in chunk_encoders()
    store = make_store(encoders=[HyperwordChunkEncoder(hyper)])
    store.add_documents(make_documents(4))
    ids = store._chunks.search().select(["id"]).limit(None).to_arrow()["id"].to_pylist()
    texts = store.get(ids)
    chunks = store.get(ids, level="hyperword")
    saved = hyper_total = 0
    for text_chunk, chunk in zip(texts, chunks, strict=True):
        base_ids = tokenizer(text_chunk.text, add_special_tokens=False)["input_ids"]
        assert chunk.text is None and chunk.hyperword_ids
        assert hyper.expand(chunk.hyperword_ids) == base_ids
        saved += len(base_ids)
        hyper_total += len(chunk.hyperword_ids)
    assert hyper_total < 0.8 * saved  # the documents repeat phrases the tokenizer learned
    recorded = store.manifest.encoders["hyperword"]
    assert recorded == {"id": "hyperword:tiny-bpe:60", "version": hyper.fingerprint[:16]}


def test_store_refuses_another_tokenizer(make_store, hyper, tokenizer):
    make_store(encoders=[HyperwordChunkEncoder(hyper)]).add_documents(make_documents(1))
    other = _train(tokenizer, size=20)
    assert other.fingerprint != hyper.fingerprint
    with pytest.raises(IncompatibleStoreError, match="hyperword encoder"):
        make_store(encoders=[HyperwordChunkEncoder(other)])
    make_store(encoders=[HyperwordChunkEncoder(hyper)])  # the same one reopens fine


def test_ingest_refuses_a_tokenizer_over_another_base(make_store):
    from tests.conftest import build_tiny_tokenizer

    other_base = build_tiny_tokenizer()
    other_base.add_tokens(["<extra_token>"])
    store = make_store(encoders=[HyperwordChunkEncoder(_train(other_base))])
    with pytest.raises(IncompatibleStoreError, match="extends base tokenizer"):
        store.add_documents(make_documents(1))


def test_factory_loads_a_saved_folder(hyper, tokenizer, tmp_path):
    hyper.save_pretrained(tmp_path / "hw")
    encoder = create_chunk_encoder("hyperword", path=tmp_path / "hw", base_tokenizer=tokenizer)
    assert encoder.version == hyper.fingerprint[:16]
    assert encoder.encode(["Note 1 of record 2"]) == [hyper.encode("Note 1 of record 2")]


def test_cli_ingest_with_a_hyperword_tokenizer(tmp_path, hyper, monkeypatch, embedder):
    import hyperword.models
    from hyperword.cli import cli
    from tests.mnemonic.conftest import tiny_tokenizer_named

    monkeypatch.setattr(hyperword.models, "load_tokenizer", lambda name: tiny_tokenizer_named())
    monkeypatch.setattr(hyperword.models, "load_embedder", lambda name=None, **_: embedder)
    hyper.save_pretrained(tmp_path / "hw")
    _train(tiny_tokenizer_named(), size=20).save_pretrained(tmp_path / "hw-other")
    (tmp_path / "a.txt").write_text(make_documents(1)[0].text)
    store = tmp_path / "store"
    runner = CliRunner()
    args = ["ingest", str(tmp_path / "a.txt"), "--store", str(store), "--no-progress"]
    result = runner.invoke(cli, [*args, "--hyperword-tokenizer", str(tmp_path / "hw")])
    assert result.exit_code == 0, result.output
    manifest = json.loads((store / "store.json").read_text())
    assert manifest["encoders"]["hyperword"]["version"] == hyper.fingerprint[:16]
    refused = runner.invoke(cli, [*args, "--hyperword-tokenizer", str(tmp_path / "hw-other")])
    assert refused.exit_code == 1
    assert "Error: store" in refused.output and "hyperword encoder" in refused.output
