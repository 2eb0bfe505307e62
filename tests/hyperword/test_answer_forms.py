"""Yes/no and either-or questions: recognised from their wording, answered with the option
the model scores highest after the prompt."""

from __future__ import annotations

import pytest
import torch

from hyperword.answer_forms import answer_form, answer_stream, choose
from hyperword.generation import Sampling, answer_question


@pytest.mark.parametrize(
    ("question", "options"),
    [
        ("Who is older, Annie Morton or Terry Richardson?", ("Annie Morton", "Terry Richardson")),
        ("Which canal, Miami Canal or Dundee Canal, is older?", ("Miami Canal", "Dundee Canal")),
        ("Who was born first Mahbub ul Haq or Ibn Arabi?", ("Mahbub ul Haq", "Ibn Arabi")),
        ("which is larger Asante Old Town or Gulangyu?", ("Asante Old Town", "Gulangyu")),
        ('Which came first, "Hey Pa!" or "Poleconomy"', ("Hey Pa!", "Poleconomy")),
        ("Which occurred earlier--the Battle of Peleliu or the Battle of Belleau Wood?",
         ("the Battle of Peleliu", "the Battle of Belleau Wood")),
        ("Is he a left-handed or right-handed batsman?", ("left-handed", "right-handed batsman")),
    ],
)  # fmt: skip
def test_either_or_questions_give_their_two_options(question, options):
    form = answer_form(question)
    assert form is not None and form.kind == "choice"
    assert form.options == options


@pytest.mark.parametrize(
    "question",
    [
        "Were Scott Derrickson and Ed Wood of the same nationality?",
        "Is  the Velloran Glass Bridge older than the Quell Tower?",
        "did both bands form in England?",
    ],
)
def test_questions_opening_with_an_auxiliary_are_yes_no(question):
    form = answer_form(question)
    assert form is not None and form.kind == "yes-no"
    assert form.options == ("yes", "no")
    assert form.surfaces == (("yes", "Yes"), ("no", "No"))


@pytest.mark.parametrize(
    "question",
    [
        "Who designed the Velloran Glass Bridge?",
        "What river does the bridge cross?",
        "Which band, formed in the harbour city of Tallimar by two brothers and their three "
        "cousins after the war ended or something like that, won?",
        "",
    ],
)
def test_free_text_questions_have_no_form(question):
    assert answer_form(question) is None


def _brute_logprob(model, prompt_ids: torch.Tensor, option_ids: list[int]) -> float:
    """The option's summed log-probability from one forward pass over prompt + option."""
    ids = torch.cat([prompt_ids, torch.tensor([option_ids])], dim=1)
    with torch.no_grad():
        logprobs = model(input_ids=ids).logits[0].float().log_softmax(-1)
    start = prompt_ids.shape[1]
    return sum(float(logprobs[start - 1 + i, t]) for i, t in enumerate(option_ids))


def test_choose_answers_with_the_option_of_highest_likelihood(tiny_model, tiny_tokenizer):
    question = "Who designed the bridge, Marisol Dutrane or Tallimar?"
    form = answer_form(question)
    prompt = tiny_tokenizer("Question: " + question + " Answer:", return_tensors="pt").input_ids
    scores = [
        _brute_logprob(
            tiny_model, prompt, tiny_tokenizer(" " + o, add_special_tokens=False).input_ids
        )
        for o in form.options
    ]
    chosen = choose(tiny_model, tiny_tokenizer, form, input_ids=prompt)
    assert list(chosen) == [form.options[scores.index(max(scores))]]
    assert chosen.done and chosen.finish_reason == "stop"
    assert chosen.text == form.options[scores.index(max(scores))]
    assert chosen.new_tokens == len(tiny_tokenizer(" " + chosen.text).input_ids)
    assert 0 < chosen.prefill_seconds <= chosen.total_seconds
    embeds = tiny_model.get_input_embeddings()(prompt)
    assert choose(tiny_model, tiny_tokenizer, form, inputs_embeds=embeds).consume().text == (
        chosen.text
    )


def test_choose_prefers_the_option_the_model_was_taught(tiny_model, tiny_tokenizer):
    """A model trained a few steps to answer "Tallimar" picks it over the other option."""
    form = answer_form("Is it Brask or Tallimar?")
    prompt = tiny_tokenizer("Question: city? Answer:", return_tensors="pt").input_ids
    target = tiny_tokenizer(" Tallimar", add_special_tokens=False).input_ids
    ids = torch.cat([prompt, torch.tensor([target])], dim=1)
    optimizer = torch.optim.Adam(tiny_model.parameters(), lr=1e-2)
    for _ in range(30):
        labels = ids.clone()
        labels[:, : prompt.shape[1]] = -100
        loss = tiny_model(input_ids=ids, labels=labels).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    tiny_model.eval()
    assert choose(tiny_model, tiny_tokenizer, form, input_ids=prompt).consume().text == "Tallimar"


def test_answer_stream_generates_freely_without_a_form_or_when_sampling(tiny_model, tiny_tokenizer):
    prompt = tiny_tokenizer("Question: Is it Brask? Answer:", return_tensors="pt").input_ids
    forced = answer_stream(tiny_model, tiny_tokenizer, question="Is it Brask?", input_ids=prompt)
    assert forced.consume().text in ("yes", "no")
    for question, sampling, forms in [
        ("Where is it?", None, True),  # no form
        ("Is it Brask?", Sampling(temperature=1.0, seed=0), True),  # sampled
        ("Is it Brask?", None, False),  # turned off
    ]:
        free = answer_stream(
            tiny_model,
            tiny_tokenizer,
            question=question,
            forms=forms,
            sampling=sampling,
            input_ids=prompt,
            max_new_tokens=4,
            stop_at_newline=False,
        ).consume()
        assert free.new_tokens == 4  # the tiny model never ends early; a choice would be 1-2


def test_answer_question_uses_forms_only_when_asked(tiny_model, tiny_tokenizer):
    context = "The festival is held in the harbour city of Tallimar."
    question = "Is the festival held in Tallimar?"
    asked = answer_question(tiny_model, tiny_tokenizer, question, context, answer_forms=True)
    assert asked.text in ("yes", "no")
    assert asked.context_tokens > 0
    free = answer_question(tiny_model, tiny_tokenizer, question, context, max_new_tokens=6)
    assert free.new_tokens == 6 or free.text not in ("yes", "no")
