"""`ask` answers yes/no and either-or questions with one of their options (`answer_forms`,
on by default), streamed as one piece, and generates freely when the option is off."""

from __future__ import annotations

import pytest

from orchestrator import OptionError


def test_yes_no_and_either_or_questions_get_an_allowed_answer(orchestrator):
    yes_no = orchestrator.ask("Is the festival held in Tallimar?", budget=64)
    assert yes_no.text in ("yes", "no")
    assert yes_no.report.finish_reason == "stop"
    assert yes_no.report.new_tokens >= 1
    choice = orchestrator.ask("Who designed the bridge, Marisol Dutrane or Orla Tamris?")
    assert choice.text in ("Marisol Dutrane", "Orla Tamris")
    streamed = list(orchestrator.stream("Is the festival held in Tallimar?", budget=64))
    assert streamed == [yes_no.text]


def test_answer_forms_off_generates_freely(orchestrator):
    free = orchestrator.ask("Is the festival held in Tallimar?", budget=64, answer_forms=False)
    assert free.report.new_tokens == 4 or free.text not in ("yes", "no")
    with pytest.raises(OptionError):
        orchestrator.ask("Is it?", answer_forms="perhaps")
