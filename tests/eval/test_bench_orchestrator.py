"""The orchestrator benchmark end to end on the tiny model: table, files, resuming."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from eval.benchmarks.bench_orchestrator import BenchConfig, main, plan_cells, run_bench
from eval.benchmarks.bench_orchestrator_report import format_checks, table_header
from eval.exceptions import EvalError
from eval.methods.orchestrated import Orchestrated
from hyperword.exceptions import UnknownNameError
from tests.conftest import build_tiny_model

ARTICLES = {
    "Velloran Bridge": [
        ("The Velloran Glass Bridge crosses the Quell River in the town of Brask.", "Brask"),
        ("The bridge was designed by Marisol Dutrane in 1911.", "Marisol Dutrane"),
    ],
    "Zephyrine tea": [
        ("Zephyrine tea is brewed from the dried leaves of the kopa shrub.", "kopa"),
        ("It is always served with salted plums.", "salted plums"),
    ],
    "Orvik Festival": [
        ("The Orvik Lantern Festival is held in the harbour city of Tallimar.", "Tallimar"),
        ("Boats carry ten thousand lanterns every March.", "ten thousand"),
    ],
}


def write_squad(path):
    data = []
    for a, (title, paragraphs) in enumerate(ARTICLES.items()):
        items = []
        for p, (context, answer) in enumerate(paragraphs):
            qa = {
                "id": f"a{a}p{p}",
                "question": f"What does the passage say about {answer.split()[0]}?",
                "answers": [{"text": answer, "answer_start": context.index(answer)}],
            }
            items.append({"context": context, "qas": [qa]})
        data.append({"title": title, "paragraphs": items})
    path.write_text(json.dumps({"version": "1.1", "data": data}))
    return path


@pytest.fixture
def text_only(monkeypatch):
    """`orchestrated` with the text level alone (no encoder or hyperword tokenizer to load)."""
    monkeypatch.setattr(Orchestrated, "encoder", None)
    monkeypatch.setattr(Orchestrated, "hyperword_tokenizer", None)


def _config(tmp_path, **overrides) -> BenchConfig:
    options = dict(
        squad=str(write_squad(tmp_path / "squad.json")),
        distractors=(2,),
        budgets=(24, 48),
        methods=("orchestrated", "rag-text", "llmlingua", "full"),
        limit=2,
        method_limits={"llmlingua": 1},
        multihop_budget=48,
        multihop_n=3,
        multihop_distractors=1,
        max_new_tokens=2,
        small_budget=24,
        large_budget=48,
    )
    options.update(overrides)
    return BenchConfig(**options)


EXPECTED = [
    ("squad-distractor-2", "full", None, 2),
    ("squad-distractor-2", "orchestrated", 24, 2),
    ("squad-distractor-2", "rag-text", 24, 2),
    ("squad-distractor-2", "llmlingua", 24, 1),
    ("squad-distractor-2", "orchestrated", 48, 2),
    ("squad-distractor-2", "rag-text", 48, 2),
    ("squad-distractor-2", "llmlingua", 48, 1),
    ("multihop", "full", None, 2),
    ("multihop", "closed-book", None, 2),
    ("multihop", "rag-text", 48, 2),
    ("multihop", "orchestrated", 48, 2),
]


def test_plan_runs_unbudgeted_methods_once_and_shares_the_sample(tmp_path):
    config = _config(tmp_path)
    cells = plan_cells(config, tmp_path / "multi.json")
    assert [(c.task, c.method, c.budget) for c in cells] == [e[:3] for e in EXPECTED]
    assert {c.config.seed for c in cells} == {0}
    assert [c.config.limit for c in cells] == [e[3] for e in EXPECTED]
    assert len({c.digest for c in cells}) == len(cells)


def test_a_method_revision_reruns_only_that_methods_cells(tmp_path, monkeypatch):
    config = _config(tmp_path)
    before = {(c.task, c.method, c.budget): c.digest for c in plan_cells(config, None)}
    monkeypatch.setattr(Orchestrated, "revision", "test-bump")
    after = {(c.task, c.method, c.budget): c.digest for c in plan_cells(config, None)}
    changed = {key[1] for key in before if before[key] != after[key]}
    assert changed == {"orchestrated"}


def test_config_errors_are_clear(tmp_path):
    with pytest.raises(UnknownNameError, match="unknown method 'nope'"):
        _config(tmp_path, methods=("full", "nope"))
    with pytest.raises(EvalError, match="distractors must be at most 50"):
        _config(tmp_path, distractors=(20, 60))
    with pytest.raises(EvalError, match="budgets: expected integers >= 1"):
        _config(tmp_path, budgets=(0, 64))


def test_bench_end_to_end_then_resume(text_only, tiny_tokenizer, tmp_path):
    config = _config(tmp_path)
    out = tmp_path / "bench"
    lines: list[str] = []

    def interrupt_after_four_rows(line: str) -> None:
        lines.append(line)
        if len(lines) == 1 + 4:  # the header, then four finished cells
            raise KeyboardInterrupt

    model = build_tiny_model(len(tiny_tokenizer))
    with pytest.raises(KeyboardInterrupt):
        run_bench(
            config,
            out,
            model=model,
            tokenizer=tiny_tokenizer,
            progress=False,
            echo=interrupt_after_four_rows,
        )
    partial = json.loads((out / "bench.json").read_text())
    assert len(partial["cells"]) == 4
    assert not list(out.glob("checkpoints/*.jsonl"))

    printed: list[str] = []
    result = run_bench(
        config, out, model=model, tokenizer=tiny_tokenizer, progress=False, echo=printed.append
    )
    first_four = [c["digest"] for c in partial["cells"]]
    assert list(result.reused) == first_four
    resumed = {c.digest: c for c in result.cells}
    for saved in partial["cells"]:  # reused as saved: timings included, so not recomputed
        assert [r["prefill_seconds"] for r in saved["records"]] == [
            r.prefill_seconds for r in resumed[saved["digest"]].records
        ]

    data = json.loads((out / "bench.json").read_text())
    rows = [(c["task"], c["method"], c["budget"], c["summary"]["examples"]) for c in data["cells"]]
    assert rows == EXPECTED
    assert data["earlier_cells"] == []
    squad_ids = {
        c["method"] + str(c["budget"]): {r["example_id"] for r in c["records"]}
        for c in data["cells"]
        if c["task"] == "squad-distractor-2"
    }
    assert len({frozenset(v) for k, v in squad_ids.items() if "llmlingua" not in k}) == 1
    assert squad_ids["llmlingua24"] <= squad_ids["full" + "None"]

    markdown = (out / "bench.md").read_text()
    assert "| squad-distractor-2 | full | - | 2 |" in markdown
    assert "| squad-distractor-2 | llmlingua | 24 | 1 |" in markdown
    assert "| multihop | closed-book | - | 2 |" in markdown
    assert "orchestrated@24 / rag-text@48 >= 0.90" in markdown
    assert "| multihop | orchestrated@48 beats full |" in markdown
    checks = {(c["task"], c["left"], c["right"]): c for c in data["checks"]}
    assert len(checks) == 1 + 2 * 2 + 2
    assert checks[("squad-distractor-2", "orchestrated@24", "llmlingua@24")]["n"] == 1
    assert checks[("squad-distractor-2", "orchestrated@48", "rag-text@48")]["n"] == 2
    assert all(isinstance(c["passed"], bool) for c in data["checks"])
    # what was printed is the table of bench.md, row by row, then the checks
    table = markdown.split(table_header() + "\n")[1].split("\n\n")[0].splitlines()
    assert printed == [table_header(), *table, "\n" + format_checks(result.checks)]

    # everything finished: a rerun computes nothing and loads no model
    again = run_bench(config, out, progress=False, echo=lambda line: None)
    assert len(again.reused) == len(EXPECTED)
    # a narrower rerun shows its own rows and keeps the others in bench.json
    fewer = run_bench(
        replace(config, methods=("full",)), out, progress=False, echo=lambda line: None
    )
    assert len(fewer.reused) == len(fewer.cells) == 1 + 4
    kept = json.loads((out / "bench.json").read_text())
    assert len(kept["cells"]) + len(kept["earlier_cells"]) == len(EXPECTED)
    assert "| squad-distractor-2 | rag-text |" not in (out / "bench.md").read_text()


def test_command_line_errors(tmp_path, capsys):
    squad = str(write_squad(tmp_path / "squad.json"))
    with pytest.raises(SystemExit) as exit_info:
        main(["--squad", squad, "--methods", "full,nope", "--out", str(tmp_path / "o")])
    assert exit_info.value.code == 1
    assert "error: unknown method 'nope'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["--squad", squad, "--budgets", "64,big", "--out", str(tmp_path / "o")])
    assert exit_info.value.code == 2
    assert "comma-separated integers" in capsys.readouterr().err
