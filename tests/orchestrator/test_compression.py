"""Planning without generating: `Orchestrator.compress`, reading a planned context, and the
model-free `TextCompressor` for any LLM."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from orchestrator import OptionError
from orchestrator.extractive import split_sentences
from orchestrator.text_compressor import TextCompressor
from tests.orchestrator.conftest import FACTS, STEPPED

QUESTION = "Who designed the Velloran Glass Bridge?"


def test_compress_plans_what_ask_reads(orchestrator):
    context = orchestrator.compress(QUESTION, budget=48, policy_options=STEPPED)
    answer = orchestrator.ask(QUESTION, budget=48, policy_options=STEPPED)
    assert [(s.doc_id, s.level, s.tokens) for s in context.sources] == [
        (s.doc_id, s.level, s.tokens) for s in answer.report.sources
    ]
    assert context.context_tokens == answer.report.context_tokens <= 48
    assert {s.level for s in context.sources} & {"scene", "concept", "hyperword"}
    read = orchestrator.ask(QUESTION, context=context)
    assert read.text == answer.text and read.report.sources == answer.report.sources
    with pytest.raises(OptionError, match="budget cannot be given with a planned context"):
        orchestrator.ask(QUESTION, context=context, budget=64)


def test_compress_scores_documents_retrieved_elsewhere(orchestrator):
    documents = [SimpleNamespace(text=text, doc_id=key) for key, text in FACTS.items()]
    context = orchestrator.compress(QUESTION, documents=documents, budget=512, levels=["text"])
    assert context.sources[0].doc_id == "bridge"
    assert context.retrieved == len(FACTS)
    assert all(s.level == "text" and not s.cut for s in context.sources)
    scores = [s.score for s in context.sources]
    assert scores == sorted(scores, reverse=True)


def test_the_rest_of_an_excerpt_goes_in_as_soft_tokens_in_the_room_left(orchestrator):
    documents = [SimpleNamespace(text=text, doc_id=key) for key, text in FACTS.items()]
    ask = {"documents": documents, "budget": 40, "levels": ["text", "scene", "concept"]}
    plain = orchestrator.compress(QUESTION, **ask, policy_options={"rest_view": False})
    assert [(s.doc_id, s.excerpt) for s in plain.sources] == [("bridge", True)]
    context = orchestrator.compress(QUESTION, **ask)  # rest_view is the default
    excerpt, rest = context.sources
    assert excerpt == plain.sources[0]
    assert (rest.n, rest.doc_id, rest.level, rest.rest, rest.cut) == (
        2,
        "bridge",
        "scene",
        True,
        True,
    )
    left_out = [s for s in split_sentences(FACTS["bridge"]) if s not in excerpt.text]
    assert left_out and rest.text == " ".join(left_out) and rest.value is None
    assert plain.context_tokens < context.context_tokens == excerpt.tokens + rest.tokens <= 40
    answer = orchestrator.ask(QUESTION, context=context)  # the rest is encoded on reading
    assert answer.report.tokens_per_level["scene"] == rest.tokens - orchestrator.markers.tokens(
        orchestrator.base_tokenizer, 2
    )
    assert answer.report.context_tokens == context.context_tokens
    assert [s.rest for s in answer.report.sources] == [False, True]
    assert "[2] bridge #0 scene (rest of excerpt)" in answer.format_report()
    no_soft = orchestrator.compress(
        QUESTION,
        documents=documents,
        budget=40,
        levels=["text"],
        policy_options={"rest_view": True},
    )
    assert [s.level for s in no_soft.sources] == ["text"]  # no soft level: no rest


@pytest.fixture(scope="module")
def compressor(embedder):
    from tests.conftest import build_tiny_tokenizer

    return TextCompressor(tokenizer=build_tiny_tokenizer(), embedder=embedder)


def test_text_compressor_keeps_the_sentences_nearest_the_question(compressor):
    documents = [SimpleNamespace(text=text, doc_id=key) for key, text in FACTS.items()]
    question = "Who designed the bridge that opened in 1911?"  # the second sentence
    whole = compressor.compress(question, documents, budget=4096)
    bridge = next(s for s in whole.sources if s.doc_id == "bridge")
    budget = bridge.text_tokens - 5  # the bridge chunk no longer fits whole
    context = compressor.compress(question, documents, budget=budget)
    first = context.sources[0]
    assert first.doc_id == "bridge" and first.cut and first.excerpt
    assert first.text == "It was designed by Marisol Dutrane and opened in 1911."
    assert context.context_tokens == sum(s.tokens for s in context.sources) <= budget
    assert all(s.level == "text" and s.value is None for s in context.sources)
    prefix = compressor.compress(question, documents, budget=budget, focus=False).sources[0]
    assert prefix.cut and not prefix.excerpt and FACTS["bridge"].startswith(prefix.text[:20])


def test_text_compressor_refuses_other_levels_and_empty_questions(compressor):
    documents = [SimpleNamespace(text="Some text.")]
    with pytest.raises(OptionError, match="text level only"):
        compressor.compress(QUESTION, documents, levels=["scene"])
    with pytest.raises(OptionError, match="empty"):
        compressor.compress(" ", documents)
    assert compressor.compress(QUESTION, []).sources == ()
