"""Stop sequences: the answer ends before the first one, streamed or not, and decoding stops."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hyperword.generation import answer_pieces, answer_text, cut_at_stop, stream


def test_answer_text_cuts_before_the_earliest_stop_sequence():
    assert answer_text("Brask. END more", stop=["END"]) == "Brask."
    assert answer_text("a ## b ### c", stop=["###", "##"]) == "a"
    assert answer_text("one\ntwo END", stop=["END"]) == "one"  # the newline comes first
    assert answer_text("one\ntwo END", stop=["END"], stop_at_newline=False) == "one\ntwo"
    assert cut_at_stop("no stop here", ["END"]) == ("no stop here", False)


@given(
    text=st.text(alphabet="ab #E\nND", max_size=40),
    cuts=st.lists(st.integers(0, 40), max_size=6),
    stops=st.lists(st.sampled_from(["END", "##", "# a", "b"]), max_size=3),
    newline=st.booleans(),
)
def test_streamed_pieces_join_to_the_answer_text(text, cuts, stops, newline):
    bounds = sorted({0, len(text), *(min(c, len(text)) for c in cuts)})
    pieces = [text[a:b] for a, b in itertools.pairwise(bounds)]
    streamed = "".join(answer_pieces(pieces, stop_at_newline=newline, stop=stops))
    assert streamed == answer_text(text, stop_at_newline=newline, stop=stops)


def test_a_partial_stop_sequence_is_held_back_until_it_is_decided():
    pieces = list(answer_pieces(["Brask E", "N", "D and more"], stop=["END"]))
    assert "".join(pieces) == "Brask"
    assert pieces[0] == "Brask"  # "E" waited; it began the stop sequence
    held = list(answer_pieces(["Brask E", "ast"], stop=["END"]))
    assert "".join(held) == "Brask East"


@pytest.mark.parametrize("stop_at_newline", [True, False])
def test_decoding_stops_once_the_text_holds_a_stop_sequence(
    tiny_model, tiny_tokenizer, stop_at_newline
):
    ids = tiny_tokenizer("The Velloran Glass Bridge", return_tensors="pt").input_ids
    free = stream(
        tiny_model, tiny_tokenizer, input_ids=ids, max_new_tokens=12, stop_at_newline=False
    ).consume()
    assert len(free.text) > 2
    stop = free.text[1:3]  # appears in what the model writes anyway (greedy)
    stopped = stream(
        tiny_model,
        tiny_tokenizer,
        input_ids=ids,
        max_new_tokens=12,
        stop_at_newline=stop_at_newline,
        stop=[stop],
    ).consume()
    assert stop in stopped.text and stopped.new_tokens <= free.new_tokens
    assert stopped.finish_reason == "stop"
    assert stop not in answer_text(stopped.text, stop=[stop], stop_at_newline=stop_at_newline)
