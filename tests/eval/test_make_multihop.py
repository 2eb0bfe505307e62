"""The invented two-hop set: HotpotQA layout, determinism, where the answer is, distractors."""

from __future__ import annotations

import gzip
import json
import re

import pytest

from eval.exceptions import EvalError
from eval.make_multihop import TEMPLATES, build_multihop, main, write_multihop
from eval.tasks import get_task


def _paragraphs(record: dict) -> dict[str, str]:
    return {title: " ".join(sentences) for title, sentences in record["context"]}


def _mentions(text: str, name: str) -> bool:
    """`name` appears as whole words (invented names may contain each other)."""
    return re.search(rf"\b{re.escape(name)}\b", text) is not None


def _literal(fact: str) -> str:
    """The longest fixed part of a fact template, e.g. "was born in the town of"."""
    for slot in ("{a}", "{b}", "{c}"):
        fact = fact.replace(slot, "|")
    return max((part.strip(" .") for part in fact.split("|")), key=len)


def test_templates_are_several_and_distinct():
    assert len(TEMPLATES) >= 4
    assert len({t.name for t in TEMPLATES}) == len(TEMPLATES)
    assert len({_literal(t.second_fact) for t in TEMPLATES}) == len(TEMPLATES)


@pytest.mark.parametrize("gz", [False, True])
def test_loads_with_the_hotpotqa_task(tmp_path, gz):
    records = build_multihop(7, distractors=5, seed=3)
    path = write_multihop(tmp_path / ("multi.json.gz" if gz else "multi.json"), records)
    examples = get_task("hotpotqa")(path)
    assert len(examples) == 7
    for example, record in zip(examples, records, strict=True):
        assert example.id == record["_id"]
        assert example.answers == (record["answer"],)
        assert example.meta == {"type": "bridge"}
        titles = [title for title, _ in example.documents]
        assert len(titles) == 2 + 5
        assert len(set(titles)) == len(titles)
        assert example.gold_titles == tuple(fact[0] for fact in record["supporting_facts"])
        assert set(example.gold_titles) <= set(titles)


def test_is_deterministic_and_stable_as_n_grows():
    assert build_multihop(8, distractors=4, seed=1) == build_multihop(8, distractors=4, seed=1)
    assert build_multihop(3, distractors=4, seed=1) == build_multihop(8, distractors=4, seed=1)[:3]
    assert build_multihop(3, distractors=4, seed=1) != build_multihop(3, distractors=4, seed=2)


def test_every_template_is_used():
    records = build_multihop(len(TEMPLATES), distractors=2, seed=0)
    assert [r["_id"].split("-", 3)[3] for r in records] == [t.name for t in TEMPLATES]


@pytest.mark.parametrize("distractors", [0, 1, 2, 5, 8, 20])
def test_answer_is_only_in_the_bridge_paragraph(distractors):
    for i, record in enumerate(build_multihop(12, distractors=distractors, seed=5)):
        template = TEMPLATES[i % len(TEMPLATES)]
        paragraphs = _paragraphs(record)
        assert len(paragraphs) == len(record["context"]) == 2 + distractors
        (first, first_index), (second, second_index) = record["supporting_facts"]
        assert {first, second} <= set(paragraphs)
        answer = record["answer"]
        assert [t for t, text in paragraphs.items() if _mentions(text, answer)] == [second]
        assert not _mentions(record["question"], answer)
        # the supporting indices point at the facts, and the facts chain through the bridge
        context = dict((title, sentences) for title, sentences in record["context"])
        first_fact = context[first][first_index]
        second_fact = context[second][second_index]
        assert _literal(template.first_fact) in first_fact
        assert _literal(template.second_fact) in second_fact
        assert _mentions(second_fact, answer)
        bridge = second.removesuffix(" shrub")
        assert _mentions(first_fact, bridge)
        assert not _mentions(record["question"], bridge)


def test_distractors_share_the_relations():
    for i, record in enumerate(build_multihop(6, distractors=8, seed=0)):
        template = TEMPLATES[i % len(TEMPLATES)]
        texts = list(_paragraphs(record).values())
        for fact in (template.first_fact, template.second_fact):
            # the gold paragraph plus same-template distractors
            assert sum(_literal(fact) in text for text in texts) >= 3


def test_bad_arguments_are_refused():
    with pytest.raises(EvalError, match="n must be"):
        build_multihop(0, distractors=2, seed=0)
    with pytest.raises(EvalError, match="distractors must be"):
        build_multihop(2, distractors=-1, seed=0)


def test_command_line_writes_the_file(tmp_path, capsys):
    out = tmp_path / "sub" / "multi.json.gz"
    main(["--out", str(out), "--n", "4", "--distractors", "3", "--seed", "2"])
    with gzip.open(out, "rt", encoding="utf-8") as handle:
        assert json.load(handle) == build_multihop(4, distractors=3, seed=2)
    assert "wrote 4 questions" in capsys.readouterr().out
