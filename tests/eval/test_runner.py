"""Every method on the `synthetic` task with the tiny model; results files; the eval CLI."""

from __future__ import annotations

import json
import sys

import pytest
from click.testing import CliRunner

from eval.exceptions import EvalError
from eval.methods import METHODS
from eval.report import write_results
from eval.runner import EvalConfig, run_eval
from hyperword.cli import cli
from hyperword.exceptions import UnknownNameError

BUILTIN = ("closed-book", "full", "truncate", "rag-text", "llmlingua")


def _config(**overrides) -> EvalConfig:
    options = dict(
        task="synthetic",
        methods=BUILTIN,
        limit=3,
        budget=24,
        task_options={"n": 4, "haystack_words": 120},
    )
    options.update(overrides)
    return EvalConfig(**options)


@pytest.fixture(scope="module")
def tiny_result(tiny_tokenizer):
    from tests.conftest import build_tiny_model

    model = build_tiny_model(len(tiny_tokenizer))
    return run_eval(_config(), model=model, tokenizer=tiny_tokenizer, progress=False)


def test_every_builtin_method_is_registered():
    assert set(BUILTIN) <= set(METHODS)


def test_every_method_runs_on_the_same_examples(tiny_result):
    assert [s.method for s in tiny_result.summaries] == list(BUILTIN)
    assert tiny_result.skipped == {}
    ids = {m: [r.example_id for r in tiny_result.records if r.method == m] for m in BUILTIN}
    assert all(len(v) == 3 for v in ids.values())
    assert len({tuple(v) for v in ids.values()}) == 1


def test_context_token_accounting(tiny_result):
    by_method = {s.method: s for s in tiny_result.summaries}
    assert by_method["closed-book"].context_tokens == 0
    for record in tiny_result.records:
        if record.method == "full":
            assert record.context_tokens == record.full_context_tokens
        if record.method in ("truncate", "rag-text", "llmlingua"):
            # detokenising and retokenising a cut may shift a token or two
            assert record.context_tokens <= 24 + 2, record
        assert record.prompt_tokens >= record.context_tokens
        assert record.kv_cache_bytes > 0
        assert record.peak_memory_bytes > 0
        assert 0 <= record.f1 <= 1
    assert by_method["truncate"].compression > 1.5
    assert by_method["full"].compression == pytest.approx(1.0)


def test_runs_are_deterministic(tiny_tokenizer, tiny_result):
    from tests.conftest import build_tiny_model

    model = build_tiny_model(len(tiny_tokenizer))
    again = run_eval(
        _config(methods=("full", "truncate")), model=model, tokenizer=tiny_tokenizer, progress=False
    )
    first = [
        (r.example_id, r.prediction)
        for r in tiny_result.records
        if r.method in ("full", "truncate")
    ]
    assert [(r.example_id, r.prediction) for r in again.records] == first


def test_write_results_makes_json_markdown_and_plot(tiny_result, tmp_path):
    paths = write_results(tiny_result, tmp_path / "out")
    data = json.loads(paths["json"].read_text())
    assert {s["method"] for s in data["summaries"]} == set(BUILTIN)
    assert len(data["records"]) == 3 * len(BUILTIN)
    assert data["template"] == "qa-1shot"
    assert "| truncate | 3 |" in paths["markdown"].read_text()
    assert paths["plot"].read_bytes().startswith(b"\x89PNG")


def test_config_errors_are_clear():
    with pytest.raises(UnknownNameError, match="unknown method 'nope'"):
        _config(methods=("full", "nope"))
    with pytest.raises(EvalError, match="budget must be a positive"):
        _config(budget=0)
    with pytest.raises(UnknownNameError, match="unknown task 'nope'"):
        _config(task="nope")


def test_cli_rejects_unknown_methods_in_one_line(tmp_path):
    result = CliRunner().invoke(
        cli, ["eval", "--task", "synthetic", "--methods", "full,nope", "--out", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert "Error: unknown method 'nope'" in result.output


def test_cli_store_cache_reaches_the_runner(tiny_result, tmp_path, monkeypatch):
    calls = []

    def run_eval(config, **kw):  # records its arguments; leaves the checkpoint a run leaves
        calls.append(kw)
        kw["checkpoint"].parent.mkdir(parents=True, exist_ok=True)
        kw["checkpoint"].touch()
        return tiny_result

    # the module (the package re-exports a command of the same name)
    monkeypatch.setattr(sys.modules["hyperword.cli.eval_command"], "run_eval", run_eval)
    for extra in ([], ["--store-cache", str(tmp_path / "stores")]):
        args = ["eval", "--task", "synthetic", "--methods", "full", "--out", str(tmp_path / "o")]
        result = CliRunner().invoke(cli, args + extra)
        assert result.exit_code == 0, result.output
    assert [kw["store_cache"] for kw in calls] == [None, str(tmp_path / "stores")]


@pytest.mark.real_model
def test_cli_runs_on_the_real_model(real_model, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        [
            "eval",
            "--task",
            "synthetic",
            "--methods",
            "closed-book,full",
            "--limit",
            "2",
            "--task-option",
            "n=2",
            "--task-option",
            "haystack_words=60",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "| full | 2 |" in result.output
    summaries = json.loads((out / "results.json").read_text())["summaries"]
    full = next(s for s in summaries if s["method"] == "full")
    assert full["contains"] >= 50  # the needle is in the context; Gemma finds it


def test_results_doc_merge_keeps_methods_not_redone(tiny_tokenizer, tiny_result, tmp_path):
    from eval.results_doc import merge_previous
    from tests.conftest import build_tiny_model

    write_results(tiny_result, tmp_path)
    model = build_tiny_model(len(tiny_tokenizer))
    redo = run_eval(
        _config(methods=("full",), limit=2), model=model, tokenizer=tiny_tokenizer, progress=False
    )
    merged = merge_previous(redo, tmp_path / "results.json")
    assert [s.method for s in merged.summaries] == list(BUILTIN)
    full = next(s for s in merged.summaries if s.method == "full")
    assert full.examples == 2  # the new run replaced the saved one
    assert sum(r.method == "full" for r in merged.records) == 2
    assert sum(r.method == "truncate" for r in merged.records) == 3
