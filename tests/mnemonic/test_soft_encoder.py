"""Ingest fills the scene and concept columns from a `HyperwordEncoder`; others are refused."""

from __future__ import annotations

import math

import numpy as np
import pytest
from click.testing import CliRunner

from mnemonic import IncompatibleStoreError, create_chunk_encoder, soft_chunk_encoders
from tests.mnemonic.conftest import make_documents
from tests.tiny_encoder import build_tiny_encoder


@pytest.fixture
def tiny_encoder(tokenizer, tmp_path):
    # A saved-and-loaded encoder, so its version carries a digest of its weights.
    from hyperword.encoder import HyperwordEncoder
    from tests.conftest import build_tiny_model

    folder = build_tiny_encoder(tokenizer).save_pretrained(tmp_path / "enc")
    model = build_tiny_model(len(tokenizer))
    return HyperwordEncoder.from_pretrained(folder, model=model, tokenizer=tokenizer)


def test_ingest_stores_soft_tokens_per_chunk(make_store, tiny_encoder, tokenizer):
    store = make_store(encoders=soft_chunk_encoders(tiny_encoder))
    store.add_documents(make_documents(2), progress=False)
    hits = store.search("glass bridges", k=3)
    for level, ratio in (("scene", 8), ("concept", 64)):
        for chunk in store.get([h.id for h in hits], level=level):
            vectors = getattr(chunk, f"{level}_vectors")
            text = store.get([chunk.id])[0].text
            n_tokens = len(tokenizer(text, add_special_tokens=False).input_ids)
            assert vectors.dtype == np.float16
            assert vectors.shape == (max(1, math.ceil(n_tokens / ratio)), 32)
            expected = tiny_encoder.encode([text], level=level)[0].numpy()
            np.testing.assert_allclose(vectors, expected, atol=2e-2, rtol=2e-2)


def test_registered_factories_take_an_encoder(tiny_encoder):
    scene = create_chunk_encoder("scene", encoder=tiny_encoder)
    assert (scene.level, scene.id, scene.version) == (
        "scene",
        "hyperword-encoder",
        tiny_encoder.version,
    )


def test_a_store_refuses_another_encoder(make_store, tiny_encoder, tokenizer, tmp_path):
    make_store(encoders=soft_chunk_encoders(tiny_encoder)).add_documents(
        make_documents(1), progress=False
    )
    other = build_tiny_encoder(tokenizer, seed=1)  # other weights: version "1-untrained"
    with pytest.raises(IncompatibleStoreError, match="scene encoder"):
        make_store(encoders=soft_chunk_encoders(other))


def test_ingest_cli_fills_soft_columns(tmp_path, monkeypatch, embedder, tokenizer):
    import hyperword.models
    from hyperword.cli import cli
    from mnemonic import MnemonicStore
    from tests.conftest import build_tiny_model
    from tests.tiny_encoder import tiny_encoder_config

    monkeypatch.setattr(hyperword.models, "load_tokenizer", lambda name: tokenizer)
    monkeypatch.setattr(hyperword.models, "load_embedder", lambda name=None, **_: embedder)
    base = tmp_path / "tiny"  # the encoder loads its base model from this folder
    build_tiny_model(len(tokenizer)).save_pretrained(base)
    tokenizer.save_pretrained(base)
    from hyperword.encoder import HyperwordEncoder

    encoder = HyperwordEncoder(
        tiny_encoder_config(base_model=str(base)), build_tiny_model(len(tokenizer)), tokenizer
    )
    folder = encoder.save_pretrained(tmp_path / "enc")
    (tmp_path / "bridge.txt").write_text("The glass bridge crosses the river in Brask.")
    store_dir = tmp_path / "store"
    args = ["ingest", str(tmp_path / "bridge.txt"), "--store", str(store_dir), "--no-progress"]
    result = CliRunner().invoke(cli, [*args, "--encoder", str(folder)])
    assert result.exit_code == 0, result.output
    store = MnemonicStore(store_dir, embedder=embedder, base_model="gemma-3-270m")
    hit = store.search("bridge", k=1)[0]
    assert store.get([hit.id], level="scene")[0].scene_vectors.shape[1] == 32
    assert store.get([hit.id], level="concept")[0].concept_vectors.shape == (1, 32)
    bad = CliRunner().invoke(cli, [*args, "--encoder", str(tmp_path / "nowhere")])
    assert bad.exit_code == 1 and "not an encoder folder" in bad.output
