"""The option-latency benchmark times each question both ways, alternating which goes first."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from eval.benchmarks.bench_option_latency import QuestionTiming, paired_timings, summarize
from tests.orchestrator.conftest import FACTS

QUESTION = "Who designed the Velloran Glass Bridge?"


def test_each_question_is_timed_both_ways_in_alternating_order(orchestrator, monkeypatch):
    documents = [SimpleNamespace(text=text, doc_id=key) for key, text in FACTS.items()]
    asked, compress = [], orchestrator.compress

    def recording(question, **options):
        asked.append(options["policy_options"]["rest_view"])
        return compress(question, **options)

    monkeypatch.setattr(orchestrator, "compress", recording)
    short = [SimpleNamespace(text="Brask has a bridge.", doc_id="short")]
    questions = [(QUESTION, documents), (QUESTION, short)]
    timings = paired_timings(orchestrator, questions, option="rest_view", budget=40, progress=False)
    assert asked == [True, False, False, True]
    assert all(t.on_seconds > 0 and t.off_seconds > 0 for t in timings)
    # The bridge's excerpt leaves room for its rest; a short document fits whole: no rest.
    assert [t.plans_differ for t in timings] == [True, False]


def test_the_summary_gives_medians_per_group():
    timings = [
        QuestionTiming("a", 3.0, 2.0, True),
        QuestionTiming("b", 2.0, 2.0, False),
        QuestionTiming("c", 6.0, 3.0, True),
    ]
    summary = summarize(timings)
    assert summary["all"]["questions"] == 3
    assert summary["all"]["median_ratio"] == pytest.approx(1.5)
    assert summary["plans differ"]["median_ratio"] == pytest.approx(1.75)
    assert summary["plans differ"]["median_on_seconds"] == pytest.approx(4.5)
    assert summary["plans same"] == {
        "questions": 1,
        "median_on_seconds": 2.0,
        "median_off_seconds": 2.0,
        "median_ratio": 1.0,
    }
    assert "plans differ" not in summarize(timings[1:2])  # an empty group is left out


def test_bad_inputs_are_one_error_before_the_model_loads(tmp_path, capsys):
    from eval.benchmarks.bench_option_latency import main

    out = ["--out", str(tmp_path / "out")]
    with pytest.raises(SystemExit) as stop:
        main(["--squad", "x", "--option", "tail_share", *out])  # not a true/false option
    assert stop.value.code == 2
    listed = capsys.readouterr().err.rpartition("default policy: ")[2]
    assert "'pair_hops'" in listed and "'rest_view'" in listed and "tail_share" not in listed
    with pytest.raises(SystemExit) as stop:
        main(["--squad", str(tmp_path / "none.json"), *out])
    assert stop.value.code == 1 and "error: task 'squad-distractor': no file at" in (
        capsys.readouterr().err
    )
    with pytest.raises(SystemExit) as stop:
        main(["--squad", "x", "--budget", "0", *out])  # bounds checked before the data
    assert stop.value.code == 1 and "budget must be in" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
