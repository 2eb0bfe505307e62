"""The `hyperword` eval methods on the `synthetic` task with the tiny model and tokenizer."""

from __future__ import annotations

import pytest

from eval.exceptions import EvalError
from eval.runner import EvalConfig, load_examples, run_eval
from hyperword.tokenizer import HyperwordTokenizer

TASK = {"n": 4, "haystack_words": 120}


def _config(**overrides) -> EvalConfig:
    options = dict(task="synthetic", methods=("full", "hyperword"), limit=3, task_options=TASK)
    options.update(overrides)
    return EvalConfig(**options)


@pytest.fixture(scope="module")
def hyper_dirs(tiny_tokenizer, tmp_path_factory):
    """A tokenizer trained on other synthetic examples, and one with no hyperwords."""
    texts = [ex.context for ex in load_examples(_config(seed=7, limit=None))]
    root = tmp_path_factory.mktemp("hyper")
    trained = HyperwordTokenizer.train(texts, tiny_tokenizer, num_hyperwords=200)
    empty = HyperwordTokenizer.train(texts, tiny_tokenizer, num_hyperwords=0)
    return trained.save_pretrained(root / "trained"), empty.save_pretrained(root / "empty")


def _run(tiny_tokenizer, **overrides):
    from tests.conftest import build_tiny_model

    model = build_tiny_model(len(tiny_tokenizer))
    return run_eval(_config(**overrides), model=model, tokenizer=tiny_tokenizer, progress=False)


def test_context_as_hyperwords_takes_fewer_positions(tiny_tokenizer, hyper_dirs):
    result = _run(tiny_tokenizer, method_options={"hyperword": {"tokenizer": str(hyper_dirs[0])}})
    assert result.skipped == {}
    full = {r.example_id: r for r in result.records if r.method == "full"}
    hyper = [r for r in result.records if r.method == "hyperword"]
    assert len(hyper) == 3
    for record in hyper:
        # the context with the prompt's space before it, as the plain prompt tokenizes it
        assert abs(record.details["base_context_tokens"] - record.full_context_tokens) <= 1
        assert record.details["hyperword_ids"] > 0
        assert record.context_tokens < 0.8 * full[record.example_id].context_tokens
        assert record.prompt_tokens < full[record.example_id].prompt_tokens
    summary = next(s for s in result.summaries if s.method == "hyperword")
    assert summary.compression > 1.25
    assert summary.config["hyperwords"] == 200 and summary.config["composer"] == "mean"


def test_no_hyperwords_reads_exactly_like_full(tiny_tokenizer, hyper_dirs):
    result = _run(tiny_tokenizer, method_options={"hyperword": {"tokenizer": str(hyper_dirs[1])}})
    by_method = {m: [r for r in result.records if r.method == m] for m in ("full", "hyperword")}
    for plain, hyper in zip(by_method["full"], by_method["hyperword"], strict=True):
        assert hyper.prompt_tokens == plain.prompt_tokens
        assert hyper.prediction == plain.prediction


def test_unavailable_without_a_tokenizer_for_the_model(tiny_tokenizer):
    result = _run(tiny_tokenizer, methods=("hyperword",))
    assert "hyperword" in result.skipped and "tokenizer=DIR" in result.skipped["hyperword"]


def test_option_errors(tiny_tokenizer, hyper_dirs):
    with pytest.raises(EvalError, match="methods not run: truncate"):
        _config(method_options={"truncate": {"x": 1}})
    with pytest.raises(EvalError, match="unknown hyperword options: nope"):
        _run(tiny_tokenizer, method_options={"hyperword": {"nope": 1}})
    with pytest.raises(EvalError, match="needs an adapter"):
        _run(
            tiny_tokenizer,
            methods=("full-hyperword-lora",),
            method_options={"full-hyperword-lora": {"tokenizer": str(hyper_dirs[0])}},
        )


def test_adapter_runs_on_a_private_copy(tiny_tokenizer, hyper_dirs, tmp_path):
    from adapters.hyperword_lora import (
        HyperwordLoraConfig,
        make_windows,
        save_hyperword_adapter,
        train_hyperword_lora,
    )
    from tests.conftest import build_tiny_model

    tokenizer = HyperwordTokenizer.from_pretrained(hyper_dirs[0], base_tokenizer=tiny_tokenizer)
    texts = [ex.context for ex in load_examples(_config(seed=3, limit=None))]
    windows = make_windows(
        [tiny_tokenizer(t).input_ids for t in texts], context_tokens=24, continuation_tokens=8
    )
    config = HyperwordLoraConfig(rank=2, alpha=4, steps=2, composer="learned", warmup_steps=1)
    peft_model, composer, log = train_hyperword_lora(
        build_tiny_model(len(tiny_tokenizer)), tokenizer, windows, config
    )
    adapter = save_hyperword_adapter(
        tmp_path / "adapter", peft_model, composer, config, tokenizer=tokenizer, log=log
    )
    options = {"tokenizer": str(hyper_dirs[0]), "adapter": str(adapter)}
    adapted = _run(
        tiny_tokenizer,
        methods=("full", "hyperword", "full-hyperword-lora"),
        method_options={"hyperword": options, "full-hyperword-lora": options},
    )
    plain = _run(tiny_tokenizer, methods=("full",))
    assert [r.prediction for r in adapted.records if r.method == "full"] == [
        r.prediction for r in plain.records
    ]  # the harness's own model was not touched
    summaries = {s.method: s for s in adapted.summaries}
    assert summaries["hyperword"].config["composer"] == "learned"
    assert summaries["full-hyperword-lora"].examples == 3


def test_cli_method_options_are_parsed_and_checked(tmp_path):
    from click.testing import CliRunner

    from hyperword.cli import cli

    base = ["eval", "--task", "synthetic", "--methods", "full", "--out", str(tmp_path)]
    stray = CliRunner().invoke(cli, [*base, "--method-option", "hyperword.tokenizer=x"])
    assert stray.exit_code == 1 and "Error: options given for methods not run: hyperword" in (
        stray.output
    )
    malformed = CliRunner().invoke(cli, [*base, "--method-option", "tokenizer=x"])
    assert malformed.exit_code == 2 and "METHOD.KEY=VALUE" in malformed.output
