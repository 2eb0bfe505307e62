"""An interrupted evaluation resumes from its checkpoint and recomputes only what is missing."""

from __future__ import annotations

import pytest

from eval.exceptions import EvalError
from eval.methods.baselines import FullContext
from eval.runner import EvalConfig, run_eval
from tests.conftest import build_tiny_model

CONFIG = EvalConfig(
    task="synthetic",
    methods=("closed-book", "full"),
    limit=4,
    task_options={"n": 5, "haystack_words": 80},
)


def _run(tokenizer, checkpoint, config=CONFIG):
    model = build_tiny_model(len(tokenizer))
    return run_eval(config, model=model, tokenizer=tokenizer, progress=False, checkpoint=checkpoint)


def test_resume_reuses_saved_records_and_runs_only_the_rest(tiny_tokenizer, tmp_path, monkeypatch):
    path = tmp_path / "checkpoint.jsonl"
    first = _run(tiny_tokenizer, path)
    lines = path.read_text().splitlines()
    assert len(lines) == 1 + 8  # header + one line per (method, example)

    # Interrupted during the 3rd `full` example: 4 closed-book + 2 full lines, then half a line.
    path.write_text("\n".join(lines[:7]) + "\n" + lines[7][:40])
    calls = []
    original = FullContext.run
    monkeypatch.setattr(
        FullContext, "run", lambda self, ex: calls.append(ex.id) or original(self, ex)
    )
    resumed = _run(tiny_tokenizer, path)
    assert len(calls) == 2  # only the two `full` examples that were not saved
    assert [(r.method, r.example_id, r.prediction) for r in resumed.records] == [
        (r.method, r.example_id, r.prediction) for r in first.records
    ]


def test_checkpoint_of_another_config_is_refused(tiny_tokenizer, tmp_path):
    path = tmp_path / "checkpoint.jsonl"
    _run(tiny_tokenizer, path)
    other = EvalConfig(
        task="synthetic", methods=("full",), limit=4, task_options={"n": 5, "haystack_words": 80}
    )
    with pytest.raises(EvalError, match="written by another evaluation"):
        _run(tiny_tokenizer, path, other)


def test_a_file_that_is_not_a_checkpoint_is_refused(tiny_tokenizer, tmp_path):
    path = tmp_path / "checkpoint.jsonl"
    path.write_text("not json\n")
    with pytest.raises(EvalError, match="not an evaluation checkpoint"):
        _run(tiny_tokenizer, path)
