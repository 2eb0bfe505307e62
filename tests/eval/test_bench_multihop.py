"""The multi-hop benchmark on the tiny model: cells, the seeded split, rows, resuming."""

from __future__ import annotations

import json
import random

import pytest

from eval.benchmarks.bench_multihop import (
    MultihopConfig,
    plan_cells,
    run_multihop,
    split_ids,
    variant_options,
)
from eval.exceptions import EvalError
from eval.make_multihop import build_multihop, write_multihop
from eval.methods.orchestrated import Orchestrated
from tests.conftest import build_tiny_model


@pytest.fixture
def data(tmp_path):
    return str(write_multihop(tmp_path / "hotpot.json", build_multihop(4, distractors=1, seed=0)))


def test_cells_variants_and_the_split(data):
    config = MultihopConfig(
        data=data, budgets=(32, 64), variants=("links", "hops1-plain"), tune=2, llmlingua_limit=1
    )
    cells = plan_cells(config)
    labels = [(label, cell.budget) for label, cell in cells]
    assert labels[:2] == [("closed-book", None), ("full", None)]
    assert ("orchestrated[links]", 64) in labels and ("orchestrated[hops1-plain]", 32) in labels
    assert len({cell.digest for _, cell in cells}) == len(cells)
    assert [c.config.limit for label, c in cells if label == "llmlingua"] == [1, 1]
    assert variant_options("links-plain") == {"hops": 2, "links": True, "encoder": "none"}
    tune, held = split_ids(config)
    assert len(tune) == 2 and len(held) == 2 and not tune & held
    assert split_ids(config) == (tune, held)  # seeded
    with pytest.raises(EvalError, match="unknown variants"):
        MultihopConfig(data=data, variants=("teleport",))


def test_answer_form_controls(data):
    """`-free` turns the orchestrator's answer forms off; `rag-text-forms` turns them on for
    rag-text; each is its own cell."""
    assert variant_options("links-plain-free") == {
        "hops": 2,
        "links": True,
        "encoder": "none",
        "answer_forms": False,
    }
    config = MultihopConfig(
        data=data,
        budgets=(64,),
        baselines=("rag-text", "rag-text-forms"),
        variants=("links", "links-free"),
    )
    cells = dict(plan_cells(config))
    assert cells["rag-text-forms"].method == "rag-text"
    assert cells["rag-text-forms"].config.method_options == {"rag-text": {"answer_forms": True}}
    assert cells["rag-text"].config.method_options == {}
    assert len({cell.digest for cell in cells.values()}) == 4
    with pytest.raises(EvalError, match="unknown baselines"):
        MultihopConfig(data=data, baselines=("rag-text-free",))


def test_soft_off_control_and_encoder(data):
    """`-nosoft` allows only the non-soft levels, `-strong` only the strong soft ones;
    `encoder` reaches every variant but the plain ones, and changes the cells' digests."""
    levels = variant_options("links-nosoft")["levels"]
    assert "text" in levels and not {"scene", "concept", "ratio-4"} & set(levels)
    strong = variant_options("links-strong")["levels"]
    assert {"text", "ratio-4", "scene"} <= set(strong) and not {"ratio-16", "concept"} & set(strong)
    assert variant_options("links-norest")["rest_view"] is False
    assert variant_options("links-notail")["soft_tail"] is False
    assert variant_options("links", "enc/")["encoder"] == "enc/"
    assert variant_options("links-plain", "enc/")["encoder"] == "none"
    shipped = dict(plan_cells(MultihopConfig(data=data, budgets=(64,), baselines=())))
    other = dict(plan_cells(MultihopConfig(data=data, budgets=(64,), baselines=(), encoder="e")))
    assert shipped["orchestrated[links]"].digest != other["orchestrated[links]"].digest
    assert shipped["orchestrated[links-plain]"].digest == other["orchestrated[links-plain]"].digest


def test_cells_of_other_encoder_weights_are_run_again(data, tmp_path, tiny_tokenizer):
    """The digest of a cell that loads an encoder follows the encoder folder's weights; cells
    that load none keep theirs."""
    from tests.tiny_encoder import build_tiny_encoder

    folder = tmp_path / "encoder"
    build_tiny_encoder(tiny_tokenizer).save_pretrained(folder)
    config = MultihopConfig(
        data=data,
        budgets=(64,),
        baselines=("rag-text",),
        variants=("links", "links-plain"),
        encoder=str(folder),
    )
    before = {label: cell.digest for label, cell in plan_cells(config)}
    build_tiny_encoder(tiny_tokenizer, seed=1).save_pretrained(folder)
    after = {label: cell.digest for label, cell in plan_cells(config)}
    assert before["orchestrated[links]"] != after["orchestrated[links]"]
    assert before["orchestrated[links-plain]"] == after["orchestrated[links-plain]"]
    assert before["rag-text"] == after["rag-text"]


def test_run_writes_rows_per_part_and_resumes(data, tmp_path, tiny_tokenizer, monkeypatch):
    monkeypatch.setattr(Orchestrated, "encoder", None)
    monkeypatch.setattr(Orchestrated, "hyperword_tokenizer", None)
    config = MultihopConfig(
        data=data,
        budgets=(48,),
        baselines=("closed-book", "full", "rag-text"),
        variants=("links",),
        tune=2,
        max_new_tokens=2,
    )
    model = build_tiny_model(len(tiny_tokenizer))
    out = tmp_path / "bench"
    rows = run_multihop(config, out, model=model, tokenizer=tiny_tokenizer, progress=False)
    by = {(r.part, r.label): r for r in rows}
    assert by["all", "full"].support == 100.0 and by["all", "closed-book"].support == 0.0
    assert by["all", "orchestrated[links]"].n == 4
    assert by["held-out", "orchestrated[links]"].n == 2
    assert 0 <= by["all", "orchestrated[links]"].support <= 100
    saved = json.loads((out / "bench.json").read_text())
    assert saved["labels"] == ["closed-book", "full", "rag-text", "orchestrated[links]"]
    assert "| held-out | orchestrated[links] | 48 | 2 |" in (out / "bench.md").read_text()

    def no_model_needed(*args, **kwargs):
        raise AssertionError("a finished cell ran again")

    monkeypatch.setattr("eval.benchmarks.bench_multihop._run_cell", no_model_needed)
    again = run_multihop(config, out, model=model, tokenizer=tiny_tokenizer, progress=False)
    assert [(r.part, r.label, r.f1) for r in again] == [(r.part, r.label, r.f1) for r in rows]


def test_a_part_runs_alone_on_its_own_questions(data):
    from eval.runner import load_examples
    from eval.tasks import get_task

    config = MultihopConfig(data=data, baselines=("full",), variants=("links",), tune=3)
    tune, held = split_ids(config)
    examples = get_task("hotpotqa")(data)
    order = list(range(len(examples)))
    random.Random(0).shuffle(order)
    assert tune == {examples[i].id for i in order[:3]}  # file positions, shuffled
    held_config = MultihopConfig(
        data=data, baselines=("full",), variants=("links",), tune=3, part="held-out"
    )
    for _, cell in plan_cells(held_config):
        assert {example.id for example in load_examples(cell.config)} == held
    assert (
        len(
            {c.digest for _, c in plan_cells(held_config)}
            & {c.digest for _, c in plan_cells(config)}
        )
        == 0
    )
    assert get_task("hotpotqa")(data, ids=sorted(held))[0].id in held
    with pytest.raises(EvalError, match="has no question nope"):
        get_task("hotpotqa")(data, ids=["nope"])
    with pytest.raises(EvalError, match="part must be one of"):
        MultihopConfig(data=data, part="dev")
