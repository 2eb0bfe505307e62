from __future__ import annotations

import pytest

from hyperword.prompts import (
    PromptTemplate,
    get_template,
    register_template,
    template_for_model,
)


def test_parts_concatenate_to_the_full_prompt():
    parts = get_template("qa-1shot").render(question="Who?", context="Ann built it.")
    assert parts.text == parts.prefix + parts.context + parts.suffix
    assert parts.context == "Ann built it."
    assert parts.prefix.endswith("Context: ")
    assert parts.suffix == "\nQuestion: Who?\nAnswer:"
    assert "four tonnes" in parts.prefix  # the demonstration comes first


def test_closed_book_prompt_has_no_context_lines():
    parts = get_template("qa-1shot").render(question="Who?", context=None)
    assert "Context:" not in parts.text
    assert parts.context == ""
    assert parts.text.endswith("Question: Who?\nAnswer:")


def test_bare_template_has_no_demonstration():
    parts = get_template("qa-bare").render(question="Q?", context="C.")
    assert parts.text == "Context: C.\nQuestion: Q?\nAnswer:"


def test_question_first_template_asks_before_and_after_the_context():
    template = get_template("qa-question-first")
    parts = template.render(question="Q?", context="C.")
    assert parts.text == "Question: Q?\nContext: C.\nQuestion: Q?\nAnswer:"
    assert parts.prefix == "Question: Q?\nContext: "  # soft tokens follow the question
    closed = template.render(question="Q?", context=None)
    assert closed.text == "Question: Q?\nAnswer:"
    shot = PromptTemplate(name="x", demonstrations=(("D.", "W?", "a"),), question_first=True)
    assert shot.render(question="Q?", context="C.").text == (
        "Question: W?\nContext: D.\nQuestion: W?\nAnswer: a\n\n"
        "Question: Q?\nContext: C.\nQuestion: Q?\nAnswer:"
    )


def test_registry_rejects_duplicates_and_unknown_names():
    with pytest.raises(ValueError, match="already registered"):
        register_template(PromptTemplate(name="qa-1shot"))
    with pytest.raises(ValueError, match="unknown prompt template 'nope'"):
        get_template("nope")


def test_template_for_model_defaults_to_one_shot():
    assert template_for_model("gemma-3-270m").name == "qa-1shot"
    assert template_for_model("some/other-model").name == "qa-1shot"
