"""bench_ratios' tables: soft levels against truncation and against an earlier run, paired."""

from __future__ import annotations

import json

import pytest

from eval.benchmarks import bench_ratios
from eval.records import MethodSummary


def summary(method: str, f1: float, positions: float) -> MethodSummary:
    return MethodSummary(method, 2, f1, f1, f1, positions, 190.0, None, 0.1, 0.2, 10.0, 0, 0.0)


SUMMARIES = {
    "scene": summary("scene", 50.0, 26.2),
    "truncate@scene": summary("truncate", 25.0, 26.0),
}
SCORES = {"scene": {"a": 1.0, "b": 0.0}, "truncate@scene": {"a": 0.5, "b": 0.0}}


def test_the_ratio_table_pairs_each_level_with_truncation_per_question():
    table = bench_ratios.ratio_table(SUMMARIES, SCORES)
    # differences +50 and 0: mean +25, standard error 25
    assert "| scene | 26.2 | 50.0 | 25.0 | +25.0 ± 25.0 |" in table
    # without per-question scores (results from before they were written): the plain difference
    assert "| scene | 26.2 | 50.0 | 25.0 | +25.0 |" in bench_ratios.ratio_table(SUMMARIES)


def test_the_table_against_an_earlier_run_pairs_every_row_both_hold():
    earlier = {"scene": {"f1": 0.0}}
    table = bench_ratios.against_table(SUMMARIES, SCORES, earlier, {"scene": {"a": 0.0, "b": 0.0}})
    assert "| scene | 26.2 | 50.0 | 0.0 | +50.0 ± 50.0 |" in table
    assert "truncate@scene" not in table  # not in the earlier run


@pytest.mark.parametrize(
    ("write", "message"),
    [
        (None, "ratios.json is missing"),
        ("ratios.json", "per_question.json is missing"),  # a run from before they were written
        ("both-corrupt", "holds unreadable results"),
        ("wrong-shape", "holds results of another shape"),
    ],
)
def test_an_unfinished_earlier_run_is_refused_before_the_model_loads(
    tmp_path, monkeypatch, capsys, write, message
):
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    if write == "ratios.json":
        (earlier / "ratios.json").write_text("{}")
    elif write == "both-corrupt":
        (earlier / "ratios.json").write_text("{}")
        (earlier / "per_question.json").write_bytes(b"\xff\xfe not json")
    elif write == "wrong-shape":  # JSON, but not what bench_ratios writes
        (earlier / "ratios.json").write_text(json.dumps({"scene": {"f1": 50.0}}))
        (earlier / "per_question.json").write_text(json.dumps({"scene": ["a", "b"]}))

    def no_model(*args, **kwargs):
        raise AssertionError("the base model must not load")

    monkeypatch.setattr(bench_ratios, "load_base_model", no_model)
    with pytest.raises(SystemExit) as exit_info:
        bench_ratios.main(["--squad", "x.json", "--against", str(earlier), "--out", str(tmp_path)])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert message in error


def test_per_question_scores_round_trip_through_json(tmp_path):
    (tmp_path / "ratios.json").write_text(json.dumps({"scene": {"f1": 50.0}}))
    (tmp_path / "per_question.json").write_text(json.dumps(SCORES))
    summaries, scores = bench_ratios._load_earlier(str(tmp_path))
    assert summaries["scene"]["f1"] == 50.0 and scores == SCORES
