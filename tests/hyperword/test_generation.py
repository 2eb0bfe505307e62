from __future__ import annotations

import pytest
import torch

from hyperword.generation import answer_question, generate


def test_generate_from_ids_and_from_embeddings_agree(tiny_model, tiny_tokenizer):
    ids = tiny_tokenizer("The bridge crosses the river", return_tensors="pt").input_ids
    embeds = tiny_model.get_input_embeddings()(ids)
    from_ids = generate(
        tiny_model, tiny_tokenizer, input_ids=ids, max_new_tokens=5, stop_at_newline=False
    )
    from_embeds = generate(
        tiny_model, tiny_tokenizer, inputs_embeds=embeds, max_new_tokens=5, stop_at_newline=False
    )
    assert from_ids[0] == from_embeds[0]
    assert from_ids[1] == from_embeds[1]


def test_generate_respects_max_new_tokens_and_reports_timings(tiny_model, tiny_tokenizer):
    ids = tiny_tokenizer("Zephyrine tea", return_tensors="pt").input_ids
    _, new_tokens, prefill, total = generate(
        tiny_model, tiny_tokenizer, input_ids=ids, max_new_tokens=3, stop_at_newline=False
    )
    assert new_tokens <= 3
    assert 0 < prefill <= total


def test_generate_needs_exactly_one_input(tiny_model, tiny_tokenizer):
    with pytest.raises(ValueError, match="exactly one"):
        generate(tiny_model, tiny_tokenizer)
    ids = torch.tensor([[1, 2]])
    with pytest.raises(ValueError, match="exactly one"):
        generate(tiny_model, tiny_tokenizer, input_ids=ids, inputs_embeds=torch.zeros(1, 2, 32))


def test_answer_question_counts_context_tokens(tiny_model, tiny_tokenizer):
    context = "The festival is held in the harbour city of Tallimar."
    result = answer_question(tiny_model, tiny_tokenizer, "Where?", context, max_new_tokens=4)
    expected = len(tiny_tokenizer(context, add_special_tokens=False).input_ids)
    assert result.context_tokens == expected
    assert result.prompt_tokens > result.context_tokens
    assert result.template == "qa-1shot"
    assert "\n" not in result.text


def test_closed_book_uses_no_context_tokens(tiny_model, tiny_tokenizer):
    result = answer_question(tiny_model, tiny_tokenizer, "Where?", None, max_new_tokens=2)
    assert result.context_tokens == 0
    assert result.prompt_tokens > 0
