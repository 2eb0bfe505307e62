"""The GGUF cache round trip on a real packaged model (SmolLM2 135M: the smallest we ship)."""

from __future__ import annotations

import time

import pytest
import torch

from hyperword.models import ModelCache, load_base_model
from hyperword.models.cache import MANIFEST_NAME

pytestmark = pytest.mark.slow

ALIAS = "smollm2-135m"


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    """A private cache, filled once by the first load (dequantizes the GGUF file)."""
    root = tmp_path_factory.mktemp("hyperword-cache")
    load_base_model(ALIAS, cache_dir=root, device="cpu")
    return root


def _entry(cache_dir):
    entries = [p for p in (cache_dir / "models").iterdir() if p.is_dir()]
    assert len(entries) == 1
    return entries[0]


def test_first_load_writes_a_complete_entry(cache_dir):
    entry = _entry(cache_dir)
    names = {p.name for p in entry.iterdir()}
    assert {"config.json", "model.safetensors", MANIFEST_NAME} <= names
    assert ModelCache(cache_dir).is_valid(entry)
    assert "quantization_config" not in (entry / "config.json").read_text()


def test_second_load_skips_dequantization(cache_dir, monkeypatch):
    monkeypatch.setattr(ModelCache, "build", lambda *a, **k: pytest.fail("rebuilt the cache"))
    start = time.perf_counter()
    model, tokenizer = load_base_model(ALIAS, cache_dir=cache_dir, device="cpu")
    assert time.perf_counter() - start < 60  # generous; the benchmark number is in the docs
    assert model.name_or_path == ALIAS
    assert model.dtype == torch.float32
    assert tokenizer.decode(tokenizer("Hello world").input_ids, skip_special_tokens=True) == (
        "Hello world"
    )


def test_dtype_override(cache_dir):
    model, _ = load_base_model(ALIAS, cache_dir=cache_dir, device="cpu", dtype="bf16")
    assert model.dtype == torch.bfloat16


def test_truncated_weights_are_rebuilt_not_trusted(cache_dir):
    weights = _entry(cache_dir) / "model.safetensors"
    good_size = weights.stat().st_size
    with weights.open("r+b") as handle:
        handle.truncate(good_size // 2)
    model, _ = load_base_model(ALIAS, cache_dir=cache_dir, device="cpu")
    assert weights.stat().st_size == good_size
    assert model.num_parameters() > 100_000_000


def test_garbled_weights_of_the_right_size_are_rebuilt(cache_dir):
    weights = _entry(cache_dir) / "model.safetensors"
    size = weights.stat().st_size
    with weights.open("r+b") as handle:
        handle.write(b"\xff" * 64)  # destroys the safetensors header, keeps the size
    model, _ = load_base_model(ALIAS, cache_dir=cache_dir, device="cpu")
    assert weights.stat().st_size == size
    assert model.num_parameters() > 100_000_000
    assert ModelCache(cache_dir).is_valid(_entry(cache_dir))
