"""One options schema: `AskOptions` declares each option once; the edges derive from it."""

from __future__ import annotations

import pytest

from orchestrator import AskOptions, OptionError
from orchestrator.options import ask_fields


def test_bounds_are_checked_from_the_metadata():
    for spec in ask_fields():
        if "le" in spec.bounds:
            with pytest.raises(OptionError, match=spec.name):
                AskOptions(**{spec.name: spec.bounds["le"] + 1})
            AskOptions(**{spec.name: spec.bounds["le"]})
    with pytest.raises(OptionError, match="top_p must be in \\(0, 1\\]"):
        AskOptions(top_p=0)
    with pytest.raises(OptionError, match="where must be at most 1000 characters"):
        AskOptions(where="x" * 1001)


def test_the_command_line_offers_every_option_with_its_bounds():
    from hyperword.cli.ask_command import ask_command

    params = {p.name: p for p in ask_command.params}
    for spec in ask_fields():
        if not spec.cli:
            assert spec.name not in params
            continue
        param = params[spec.name]
        if spec.kind is list and spec.choices:
            assert param.multiple and list(param.type.choices) == list(spec.choices())
            continue
        if spec.kind is list:  # free strings, repeatable (--stop)
            assert param.multiple
            continue
        if spec.kind is dict:  # KEY=JSON pairs, repeatable (--policy-option)
            assert param.multiple and param.metavar == "KEY=JSON"
            continue
        assert param.default == spec.default, spec.name
        if "le" in spec.bounds:
            assert param.type.max == spec.bounds["le"], spec.name


def test_the_service_bodies_take_the_same_options_and_bounds():
    pytest.importorskip("fastapi")
    from orchestrator.service.schemas import AskRequest, ChatCompletionRequest

    ask = AskRequest.model_json_schema()["properties"]
    chat = ChatCompletionRequest.model_json_schema()["properties"]
    for spec in ask_fields():
        assert spec.name in ask
        assert (spec.name in chat) == (spec.name != "max_new_tokens")  # OpenAI: max_tokens
        schema = next(s for s in ask[spec.name]["anyOf"] if s.get("type") != "null")
        if "le" in spec.bounds:
            assert schema["maximum"] == spec.bounds["le"], spec.name
        assert ask[spec.name]["description"] == spec.help
    max_tokens = next(s for s in chat["max_tokens"]["anyOf"] if s.get("type") != "null")
    assert max_tokens["maximum"] == AskOptions.__dataclass_fields__["max_new_tokens"].metadata["le"]


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"seed": 2**64}, "seed"),
        ({"top_k": 10**12}, "top_k"),
        ({"temperature": float("nan")}, "finite"),
        ({"top_p": float("inf")}, "finite"),
        ({"policy_options": {"min_score": float("nan")}}, "min_score"),
        ({"policy_options": {"max_gap": [1]}}, "max_gap"),
        ({"where": "doc_id = 'a'; drop table chunks"}, "';'"),
        ({"where": "doc_id = 'a' -- and the rest"}, "comments"),
        ({"where": "doc_id = 'a"}, "not closed"),
        ({"where": "doc_id = '\ud800'"}, "surrogate"),
        ({"template": "\udc80"}, "surrogate"),
    ],
)
def test_values_that_would_break_later_are_refused_here(options, words):
    with pytest.raises(OptionError, match=words):
        AskOptions(**options)


def test_a_semicolon_inside_a_quoted_value_is_fine():
    assert AskOptions(where="doc_id = 'a;b' AND text != 'it''s'").where
