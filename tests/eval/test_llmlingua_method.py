"""The llmlingua baseline ranks the documents of a question once, whatever the budget."""

from pathlib import Path

import pytest

pytest.importorskip("llmlingua")

from eval.methods import llmlingua_method
from eval.methods.base import MethodContext
from eval.tasks.base import Example
from hyperword.prompts import get_template

WORDS = "amber birch cedar delta ember fjord grove harbor inlet juniper kestrel lagoon meadow"


def _example() -> Example:
    documents = tuple(
        (f"doc {i}", " ".join(WORDS.split()[i:] + WORDS.split()[:i]) * 4) for i in range(5)
    )
    return Example(
        id="q",
        question="Which harbor is near the cedar grove?",
        answers=("x",),
        documents=documents,
    )


def _method(model, tokenizer, budget: int, tmp_path: Path):
    context = MethodContext(
        model=model,
        tokenizer=tokenizer,
        template=get_template("qa-bare"),
        budget=budget,
        workdir=tmp_path,
    )
    return llmlingua_method.LLMLinguaMethod(context)


def test_ranking_is_computed_once_across_budgets(tiny_tokenizer, tiny_model, tmp_path, monkeypatch):
    monkeypatch.setattr(llmlingua_method, "_RANK_CACHE", type(llmlingua_method._RANK_CACHE)())
    calls = []
    original = llmlingua_method._fast_condition_ppl

    def counting(compressor, text, condition_pos_id):
        calls.append(text)
        return original(compressor, text, condition_pos_id)

    monkeypatch.setattr(llmlingua_method, "_fast_condition_ppl", counting)
    example = _example()
    first, _ = _method(tiny_model, tiny_tokenizer, 40, tmp_path).build_context(example)
    ranked_once = len(calls)
    assert ranked_once >= len(example.documents)  # one conditioned loss per document
    _method(tiny_model, tiny_tokenizer, 60, tmp_path).build_context(example)
    assert len(calls) == ranked_once  # the second budget reused the ranking

    monkeypatch.setattr(llmlingua_method, "_RANK_CACHE", type(llmlingua_method._RANK_CACHE)())
    again, _ = _method(tiny_model, tiny_tokenizer, 40, tmp_path).build_context(example)
    assert again == first  # a cached ranking gives what ranking afresh gives
    assert len(calls) == 2 * ranked_once


def test_ranking_cache_stays_bounded(tiny_tokenizer, tiny_model, tmp_path, monkeypatch):
    monkeypatch.setattr(llmlingua_method, "_RANK_CACHE", type(llmlingua_method._RANK_CACHE)())
    monkeypatch.setattr(llmlingua_method, "RANK_CACHE_SIZE", 2)
    method = _method(tiny_model, tiny_tokenizer, 40, tmp_path)
    for n in range(4):
        example = _example()
        example = Example(
            id=str(n),
            question=f"Question {n} about cedar?",
            answers=("x",),
            documents=example.documents,
        )
        method.build_context(example)
    assert len(llmlingua_method._RANK_CACHE) == 2
