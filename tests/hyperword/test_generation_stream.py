"""Streaming and sampled generation (`hyperword.generation.stream`, `Sampling`)."""

from __future__ import annotations

import pytest

from hyperword.generation import Sampling, generate, stream


@pytest.fixture
def ids(tiny_tokenizer):
    return tiny_tokenizer("The bridge crosses the river", return_tensors="pt").input_ids


def test_stream_pieces_join_to_the_generated_text(tiny_model, tiny_tokenizer, ids):
    tokens = stream(
        tiny_model, tiny_tokenizer, input_ids=ids, max_new_tokens=8, stop_at_newline=False
    )
    pieces = list(tokens)
    assert tokens.done and "".join(pieces) == tokens.text
    text, new_tokens, _, _ = generate(
        tiny_model, tiny_tokenizer, input_ids=ids, max_new_tokens=8, stop_at_newline=False
    )
    assert (text, new_tokens) == (tokens.text, tokens.new_tokens)
    assert tokens.finish_reason in ("stop", "length")
    assert 0 < tokens.prefill_seconds <= tokens.total_seconds


def test_length_finish_reason(tiny_model, tiny_tokenizer, ids):
    tokens = stream(
        tiny_model, tiny_tokenizer, input_ids=ids, max_new_tokens=2, stop_at_newline=False
    ).consume()
    if tokens.new_tokens == 2:
        assert tokens.finish_reason == "length"


def test_closing_a_stream_early_keeps_its_cost(tiny_model, tiny_tokenizer, ids):
    tokens = stream(
        tiny_model, tiny_tokenizer, input_ids=ids, max_new_tokens=20, stop_at_newline=False
    )
    next(tokens, None)
    tokens.close()
    assert tokens.done and tokens.new_tokens >= 1 and tokens.total_seconds > 0


def test_seeded_sampling_is_reproducible(tiny_model, tiny_tokenizer, ids):
    sampling = Sampling(temperature=1.5, top_p=0.95, seed=3)
    runs = [
        generate(
            tiny_model,
            tiny_tokenizer,
            input_ids=ids,
            max_new_tokens=12,
            stop_at_newline=False,
            sampling=sampling,
        )[0]
        for _ in range(2)
    ]
    assert runs[0] == runs[1]
    other = Sampling(temperature=1.5, top_p=0.95, seed=4)
    texts = {
        generate(
            tiny_model,
            tiny_tokenizer,
            input_ids=ids,
            max_new_tokens=12,
            stop_at_newline=False,
            sampling=s,
        )[0]
        for s in (sampling, other, Sampling(temperature=1.5, seed=5))
    }
    assert len(texts) > 1  # a random model at temperature 1.5: seeds differ


def test_top_k_one_is_greedy(tiny_model, tiny_tokenizer, ids):
    greedy = generate(
        tiny_model, tiny_tokenizer, input_ids=ids, max_new_tokens=6, stop_at_newline=False
    )[0]
    top1 = generate(
        tiny_model,
        tiny_tokenizer,
        input_ids=ids,
        max_new_tokens=6,
        stop_at_newline=False,
        sampling=Sampling(temperature=1.0, top_k=1, seed=0),
    )[0]
    assert top1 == greedy


@pytest.mark.parametrize(
    ("options", "match"),
    [({"temperature": -1}, "temperature"), ({"top_p": 0}, "top_p"), ({"top_k": -2}, "top_k")],
)
def test_bad_sampling_options(options, match):
    with pytest.raises(ValueError, match=match):
        Sampling(**options)
