"""`scene`, `concept` and `full-adapted` on the synthetic task with a tiny saved encoder."""

from __future__ import annotations

import functools
import math

import pytest

from eval.exceptions import EvalError
from eval.methods import soft_context
from eval.runner import EvalConfig, run_eval
from tests.conftest import build_tiny_model
from tests.tiny_encoder import build_tiny_encoder

METHODS = ("full", "full-adapted", "scene", "concept")


@pytest.fixture(scope="module")
def soft_result(tiny_tokenizer, tmp_path_factory):
    folder = tmp_path_factory.mktemp("enc") / "encoder"
    build_tiny_encoder(tiny_tokenizer).save_pretrained(folder)
    soft_context._ENCODERS.clear()
    try:
        config = EvalConfig(
            task="synthetic",
            methods=METHODS,
            limit=2,
            budget=24,
            task_options={"n": 3, "haystack_words": 100},
            method_options={m: {"encoder": str(folder)} for m in METHODS if m != "full"},
        )
        model = build_tiny_model(len(tiny_tokenizer))
        yield run_eval(config, model=model, tokenizer=tiny_tokenizer, progress=False)
    finally:
        soft_context._ENCODERS.clear()


def test_soft_methods_run_and_count_soft_tokens(soft_result):
    assert soft_result.skipped == {}
    records = {(r.method, r.example_id): r for r in soft_result.records}
    for (method, example_id), record in records.items():
        full = records[("full", example_id)].context_tokens
        if method == "full-adapted":
            assert record.context_tokens == full
        elif method in ("scene", "concept"):
            ratio = 8 if method == "scene" else 64
            spans = math.ceil(full / 64)  # the tiny encoder accepts 64-token spans
            assert spans * 3 <= record.context_tokens <= math.ceil(full / ratio) + 3 * spans
            assert record.context_tokens < full


def test_soft_methods_record_the_encoder(soft_result):
    by_method = {s.method: s for s in soft_result.summaries}
    assert by_method["scene"].compression > 1
    assert by_method["concept"].compression > by_method["scene"].compression
    assert by_method["scene"].config["encoder"] == "hyperword-encoder"


def test_a_missing_encoder_skips_the_method_with_its_reason(tiny_tokenizer, tmp_path):
    config = EvalConfig(
        task="synthetic",
        methods=("full", "scene"),
        limit=1,
        task_options={"n": 2, "haystack_words": 50},
        method_options={"scene": {"encoder": str(tmp_path / "nowhere")}},
    )
    model = build_tiny_model(len(tiny_tokenizer))
    result = run_eval(config, model=model, tokenizer=tiny_tokenizer, progress=False)
    assert "not an encoder folder" in result.skipped["scene"]
    assert [s.method for s in result.summaries] == ["full"]


def test_levels_read_each_passage_once(tiny_tokenizer, tmp_path):
    """The soft levels share one encoder whose feature cache serves the second level's read
    of every span the first level read."""
    folder = tmp_path / "encoder"
    build_tiny_encoder(tiny_tokenizer).save_pretrained(folder)
    soft_context._ENCODERS.clear()
    try:
        config = EvalConfig(
            task="synthetic",
            methods=("scene", "concept"),
            limit=2,
            task_options={"n": 3, "haystack_words": 100},
            method_options={m: {"encoder": str(folder)} for m in ("scene", "concept")},
        )
        model = build_tiny_model(len(tiny_tokenizer))
        run_eval(config, model=model, tokenizer=tiny_tokenizer, progress=False)
        (encoder,) = soft_context._ENCODERS.values()
        cache = encoder.feature_cache
        assert cache.misses >= 2 and cache.hits == cache.misses
    finally:
        soft_context._ENCODERS.clear()


def test_results_of_other_encoder_weights_are_not_resumed(tiny_tokenizer, tmp_path):
    """A checkpoint written with one encoder's weights is refused once the folder holds
    other weights (the header records `Method.weights`, the weights' digest)."""
    folder = tmp_path / "encoder"
    build_tiny_encoder(tiny_tokenizer).save_pretrained(folder)
    config = EvalConfig(
        task="synthetic",
        methods=("scene",),
        limit=1,
        task_options={"n": 2, "haystack_words": 50},
        method_options={"scene": {"encoder": str(folder)}},
    )
    model = build_tiny_model(len(tiny_tokenizer))
    run = functools.partial(
        run_eval,
        config,
        model=model,
        tokenizer=tiny_tokenizer,
        progress=False,
        checkpoint=tmp_path / "c.jsonl",
    )
    soft_context._ENCODERS.clear()
    try:
        run()
        build_tiny_encoder(tiny_tokenizer, seed=1).save_pretrained(folder)
        with pytest.raises(EvalError, match="another evaluation"):
            run()
    finally:
        soft_context._ENCODERS.clear()
