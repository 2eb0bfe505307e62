from __future__ import annotations

import json

import numpy as np
import pytest

from mnemonic import IndexConfig, IndexKind, IndexLoadError, register_index
from mnemonic.index import SIDECAR, VectorIndex


def _vectors(n: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _recall(found: np.ndarray, exact: np.ndarray) -> float:
    return float(
        np.mean([len(set(a) & set(b)) / len(b) for a, b in zip(found, exact, strict=True)])
    )


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivfpq"])
def test_kinds_find_the_exact_neighbours(kind):
    x, seqs = _vectors(3000), np.arange(100, 3100)
    queries = _vectors(50, seed=1)
    exact = VectorIndex.build(x, seqs, IndexConfig(kind="flat"), dim=32)
    index = VectorIndex.build(x, seqs, IndexConfig(kind=kind, pq_m=8), dim=32)
    assert index.kind == kind and index.ntotal == 3000 and index.max_seq == 3099
    _, want = exact.search(queries, 10)
    scores, got = index.search(queries, 10)
    assert set(np.unique(got)) <= set(seqs)
    assert np.all(np.diff(scores, axis=1) <= 1e-5)  # best first
    assert _recall(got, want) >= (1.0 if kind == "flat" else 0.9)


def test_auto_kind_follows_the_threshold():
    config = IndexConfig(exact_threshold=100, ann_kind="hnsw")
    assert config.resolve_kind(99) == "flat"
    assert config.resolve_kind(100) == "hnsw"
    assert IndexConfig(kind="ivfpq").resolve_kind(5) == "ivfpq"


@pytest.mark.parametrize(
    "options", [{"kind": "annoy"}, {"ann_kind": "x"}, {"hnsw_m": 0}, {"rebuild_dead_fraction": 0}]
)
def test_config_rejects_bad_values(options):
    with pytest.raises(ValueError):  # ConfigError, or UnknownNameError for a kind
        IndexConfig(**options)


def test_registry_refuses_duplicates():
    with pytest.raises(ValueError, match="already registered"):

        @register_index("flat")
        class Another(IndexKind):
            pass


def test_save_load_round_trip_and_corruption(tmp_path):
    x = _vectors(500)
    index = VectorIndex.build(x, np.arange(500), IndexConfig(kind="hnsw"), dim=32)
    index.table_version = 7
    path = index.save(tmp_path)
    loaded = VectorIndex.load(tmp_path, IndexConfig(), dim=32)
    assert (loaded.kind, loaded.ntotal, loaded.max_seq, loaded.table_version) == (
        "hnsw",
        500,
        499,
        7,
    )
    np.testing.assert_array_equal(loaded.search(x[:5], 3)[1], index.search(x[:5], 3)[1])
    # saving again replaces the file and removes the old one
    index.save(tmp_path)
    assert not path.exists() and len(list(tmp_path.glob("index-*.faiss"))) == 1

    with pytest.raises(IndexLoadError, match="dim"):
        VectorIndex.load(tmp_path, IndexConfig(), dim=16)
    current = tmp_path / json.loads((tmp_path / SIDECAR).read_text())["file"]
    data = current.read_bytes()
    current.write_bytes(data[: len(data) // 2])
    with pytest.raises(IndexLoadError, match="truncated"):
        VectorIndex.load(tmp_path, IndexConfig(), dim=32)
    # garbled in place (same size): in the vectors, then in the id map at the end
    for start in (len(data) // 2, len(data) - 64):
        garbled = bytearray(data)
        garbled[start : start + 16] = bytes(16)
        current.write_bytes(bytes(garbled))
        with pytest.raises(IndexLoadError, match="checksum"):
            VectorIndex.load(tmp_path, IndexConfig(), dim=32)
    current.write_bytes(data)
    sidecar = json.loads((tmp_path / SIDECAR).read_text())
    for key, value in (("sha256", None), ("ntotal", "500"), ("format_version", 1)):
        (tmp_path / SIDECAR).write_text(json.dumps({**sidecar, key: value}))
        with pytest.raises(IndexLoadError, match="sidecar"):
            VectorIndex.load(tmp_path, IndexConfig(), dim=32)
    (tmp_path / SIDECAR).write_text(json.dumps({**sidecar, "file": "../store.json"}))
    with pytest.raises(IndexLoadError, match="unexpected file"):
        VectorIndex.load(tmp_path, IndexConfig(), dim=32)
    (tmp_path / SIDECAR).write_text("{not json")
    with pytest.raises(IndexLoadError, match="sidecar"):
        VectorIndex.load(tmp_path, IndexConfig(), dim=32)
    (tmp_path / SIDECAR).unlink()
    with pytest.raises(IndexLoadError, match="no index"):
        VectorIndex.load(tmp_path, IndexConfig(), dim=32)


def test_empty_index_searches_to_nothing():
    index = VectorIndex.build(np.zeros((0, 8), np.float32), np.zeros(0), IndexConfig(), dim=8)
    _scores, seqs = index.search(np.ones(8, np.float32), 3)
    assert seqs.shape == (1, 3) and np.all(seqs == -1)
