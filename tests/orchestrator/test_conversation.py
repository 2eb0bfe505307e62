"""Multi-turn asks: the question is the last user message; the system message and earlier turns
are read within the budget; a follow-up is searched with the previous user message."""

from __future__ import annotations

import pytest

from orchestrator import AskOptions, OptionError, Orchestrator
from orchestrator.conversation import Turn, fit_history, retrieval_query, split_messages


@pytest.fixture
def orchestrator(store, model, base_tokenizer):
    return Orchestrator(
        store, model=model, base_tokenizer=base_tokenizer, options=AskOptions(max_new_tokens=3)
    )


def test_the_question_is_the_last_message_and_it_must_be_the_users():
    messages = [
        {"role": "system", "content": "Answer briefly."},
        {"role": "user", "content": "Tell me about the Velloran Glass Bridge."},
        {"role": "assistant", "content": "It crosses the Quell River."},
        {"role": "user", "content": "Who designed it?"},
    ]
    question, history = split_messages(messages)
    assert question == "Who designed it?"
    assert [t.role for t in history] == ["system", "user", "assistant"]
    with pytest.raises(OptionError, match="last user message is empty"):
        split_messages([*messages[:3], {"role": "user", "content": "  "}])
    with pytest.raises(OptionError, match="must be the user's question"):
        split_messages(messages[:3])
    with pytest.raises(OptionError, match="empty"):
        split_messages([])


def test_a_follow_up_is_searched_with_the_previous_user_message():
    history = [Turn("user", "Tell me about the bridge."), Turn("assistant", "It is long.")]
    assert (
        retrieval_query("Who designed it?", history)
        == "Tell me about the bridge.\nWho designed it?"
    )
    assert retrieval_query("Who designed it?", []) == "Who designed it?"


def test_the_system_message_and_the_newest_turns_that_fit_are_kept(base_tokenizer):
    history = [
        Turn("system", "Be brief."),
        Turn("user", "first question " * 10),
        Turn("assistant", "first answer"),
        Turn("user", "second question"),
        Turn("assistant", "second answer"),
    ]
    wanted = "System: Be brief.\nUser: second question\nAssistant: second answer\n"
    room = len(base_tokenizer(wanted, add_special_tokens=False).input_ids) + 3
    fitted = fit_history(history, base_tokenizer, room=room)
    assert fitted.text == wanted  # older turns dropped whole, never cut
    assert len(fitted.ids) <= room and (fitted.kept, fitted.dropped) == (3, 2)
    assert fit_history(history, base_tokenizer, room=0).kept == 0


def test_earlier_turns_take_budget_and_find_the_document(orchestrator):
    history = [
        Turn("system", "Answer briefly."),
        Turn("user", "Tell me about the Velloran Glass Bridge."),
        Turn("assistant", "It crosses the Quell River."),
    ]
    alone = orchestrator.ask("Who designed it?", budget=200)
    chat = orchestrator.ask("Who designed it?", history=history, budget=200)
    report = chat.report
    assert report.history_messages == 3 and report.history_dropped == 0
    assert 0 < report.tokens_per_level["history"] <= 200 // 2
    assert report.context_tokens == sum(report.tokens_per_level.values()) <= 200
    assert report.sources[0].doc_id == "bridge"  # found through the earlier user turn
    assert "history" not in alone.report.tokens_per_level
    assert alone.report.history_messages == 0
