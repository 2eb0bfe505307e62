"""A few tests on the real default model (Gemma 3 270M)."""

from __future__ import annotations

import pytest

from hyperword.generation import answer_question
from hyperword.sample_data import sample_documents, sample_questions
from orchestrator.demo import run_demo

pytestmark = pytest.mark.real_model


def test_default_model_is_gemma_3_270m(real_model):
    model, tokenizer = real_model
    assert type(model).__name__ == "Gemma3ForCausalLM"
    assert model.name_or_path == "gemma-3-270m"
    assert len(tokenizer) == 262_144
    assert 260e6 < model.num_parameters() < 275e6


def test_answers_a_question_from_a_passage(real_model):
    model, tokenizer = real_model
    item = next(q for q in sample_questions() if q.doc_id == "quibbit-programming-language.md")
    context = sample_documents()[item.doc_id]
    result = answer_question(model, tokenizer, item.question, context)
    assert "Tomasz Vell" in result.text
    assert result.context_tokens > 50


def test_a_yes_no_question_is_answered_yes_rather_than_with_a_sentence(real_model):
    model, tokenizer = real_model
    context = "The Velloran Bridge is made of glass. The Quell Tower is made of stone."
    question = "Is the Velloran Bridge made of glass?"
    free = answer_question(model, tokenizer, question, context)
    assert free.text.lower() != "yes"  # the plain reader answers with a sentence
    assert answer_question(model, tokenizer, question, context, answer_forms=True).text == "yes"
    choice = answer_question(
        model, tokenizer, "Who was born first, Anna Vell or Marco Drin?",
        "Anna Vell was born in 1950. Marco Drin was born in 1990.", answer_forms=True,
    )  # fmt: skip
    assert choice.text == "Anna Vell"


def test_demo_answers_its_three_questions():
    results = run_demo(num_questions=3)
    assert len(results) == 3
    assert all(result.correct for result in results), [r.answer for r in results]
    assert all(r.context_tokens < r.corpus_tokens for r in results)
