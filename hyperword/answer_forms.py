"""Questions whose answer is one of a few known strings: yes/no and either-or questions.

A small reader asked "Who was born first, Am Rong or Ava DuVernay?" often answers with
something else from its context (a date, a third name); asked "Were A and B of the same
nationality?" it often explains instead of saying yes or no. HotpotQA's comparison
questions are of these two forms (its reference reader has a yes/no/span head for them).
`answer_form` recognises the forms from the question's wording alone; `choose` then scores
each allowed answer by the model's log-likelihood after the prompt (one prefill, one short
forward pass per option over a copy of its KV cache) and answers with the likeliest.

Rules (`answer_form`):
- *Either-or*: the question has " or " between two options. The right option runs from " or "
  to the next `,` `?` `;` or `--`; the left one from the last such delimiter before " or "
  (or, without one, the capitalised name that ends before " or ", else as many words as the
  right option has). Each option is 1-12 words; surrounding quotes and a leading "a"/"an"
  are dropped.
- *Yes/no*: otherwise, a question that opens with an auxiliary verb (is, are, was, did, ...).
- Anything else: `None` (the reader generates freely).
"""

from __future__ import annotations

import copy
import re
import time
from dataclasses import dataclass

import torch

from hyperword.generation import (
    Sampling,
    TokenStream,
    cache_kwargs,
    output_cache,
    prefill,
    stream,
)

__all__ = ["AnswerForm", "answer_form", "answer_stream", "choose"]

_AUXILIARIES = frozenset(
    {"is", "are", "was", "were", "am", "do", "does", "did", "has", "have", "had", "can"}
    | {"could", "will", "would", "shall", "should", "may", "might", "must"}
)
_DELIMITER = re.compile(r",|\?|;|--|:")
_QUOTES = "\"'“”‘’«» "
_MAX_OPTION_WORDS = 12
# lower-case words inside names: "Battle of Peleliu", "Mahbub ul Haq", "Ibn al-Karaji"
_CONNECTORS = frozenset(
    {"of", "the", "and", "de", "da", "del", "di", "la", "le", "van", "von", "der", "du", "y"}
    | {"ul", "al", "bin", "ibn"}
)
_YES_NO = (("yes", "Yes"), ("no", "No"))  # each answer's surface forms, scored together


@dataclass(frozen=True)
class AnswerForm:
    """The answers a question allows.

    Attributes:
        kind: `"yes-no"` or `"choice"`.
        options: The allowed answers, as they will be returned (`("yes", "no")` for yes/no).
        surfaces: Per option, the strings scored for it (their likelihoods are summed).
    """

    kind: str
    options: tuple[str, ...]
    surfaces: tuple[tuple[str, ...], ...]


def answer_form(question: str) -> AnswerForm | None:
    """The form of `question`'s answer, or `None` when it is free text (see module doc)."""
    text = " ".join(question.split())
    options = _either_or(text)
    if options is not None:
        return AnswerForm("choice", options, tuple((o,) for o in options))
    first = text.split(" ", 1)[0].lower()
    if first in _AUXILIARIES:
        return AnswerForm("yes-no", ("yes", "no"), _YES_NO)
    return None


def _either_or(text: str) -> tuple[str, str] | None:
    """The two options of an either-or question, or `None`."""
    at = text.find(" or ")
    if at < 0:
        return None
    after = text[at + 4 :]
    end = _DELIMITER.search(after)
    right = _clean(after[: end.start()] if end else after)
    before = text[:at]
    starts = [m.end() for m in _DELIMITER.finditer(before)]
    if starts:
        left = before[starts[-1] :]
    else:
        left = _name_before(before.split()[1:]) or " ".join(
            before.split()[-max(1, len(right.split())) :]
        )
    left = _clean(left)
    sizes = (len(left.split()), len(right.split()))
    if min(sizes) < 1 or max(sizes) > _MAX_OPTION_WORDS or left.lower() == right.lower():
        return None
    return left, right


def _name_before(words: list[str]) -> str:
    """The name that ends `words`: its capitalised words and the connectors between them
    ("Mahbub ul Haq", "Battle of Peleliu"); empty when the last word is not capitalised."""
    taken: list[str] = []
    for word in reversed(words):
        named = word[:1].isupper() or word[:1].isdigit() or word[:1] in _QUOTES
        if named or (word.lower() in _CONNECTORS and taken):
            taken.insert(0, word)
        else:
            break
    while taken and taken[0].lower() in _CONNECTORS:
        taken.pop(0)
    return " ".join(taken)


def _clean(option: str) -> str:
    option = option.strip().strip(_QUOTES).strip()
    first, _, rest = option.partition(" ")
    return rest if first.lower() in ("a", "an") and rest else option


def answer_stream(
    model,
    tokenizer,
    *,
    question: str,
    forms: bool = True,
    sampling: Sampling | None = None,
    **stream_options,
) -> TokenStream:
    """`generation.stream`, except that with `forms` (and greedy decoding) a question of a
    known form (`answer_form`) is answered by `choose`. `stream_options` are `stream`'s
    (`input_ids` or `inputs_embeds`, `max_new_tokens`, `stop_at_newline`, `stop`)."""
    form = answer_form(question) if forms and (sampling is None or sampling.greedy) else None
    if form is None:
        return stream(model, tokenizer, sampling=sampling, **stream_options)
    prompt = {k: stream_options.get(k) for k in ("input_ids", "inputs_embeds")}
    return choose(model, tokenizer, form, **prompt)


def choose(
    model,
    tokenizer,
    form: AnswerForm,
    *,
    input_ids: torch.Tensor | None = None,
    inputs_embeds: torch.Tensor | None = None,
) -> TokenStream:
    """Answer with the option of `form` the model finds likeliest after the prompt.

    Args:
        model: A causal LM (the reader).
        tokenizer: Its tokenizer.
        form: The allowed answers (`answer_form`).
        input_ids: The prompt `(1, seq)`; or
        inputs_embeds: the prompt as embeddings `(1, seq, d_model)`.

    Returns:
        A `TokenStream` that yields the chosen option once; its cost fields are set then
        (`new_tokens`: the chosen option's tokens; `finish_reason`: `"stop"`). An option's
        score is the summed log-probability of its tokens, after a space, following the
        prompt; several surfaces of one option (yes / Yes) are added as probabilities.
    """
    if (input_ids is None) == (inputs_embeds is None):
        raise ValueError("pass exactly one of input_ids and inputs_embeds")
    result = TokenStream(iter(()))
    result._steps = _choice_steps(result, model, tokenizer, form, input_ids, inputs_embeds)
    return result


def _choice_steps(result, model, tokenizer, form, input_ids, inputs_embeds):
    start = time.perf_counter()
    with torch.inference_mode():
        out = prefill(model, input_ids=input_ids, inputs_embeds=inputs_embeds)
        result.prefill_seconds = time.perf_counter() - start
        cache, first = output_cache(out), out.logits[0, -1].float().log_softmax(-1)
        scores = [
            torch.logsumexp(
                torch.tensor([_surface_logprob(model, tokenizer, cache, first, s) for s in ss]),
                dim=0,
            )
            for ss in form.surfaces
        ]
    best = form.options[int(torch.stack(scores).argmax())]
    result.text = best
    result.new_tokens = len(tokenizer(" " + best, add_special_tokens=False).input_ids)
    result.finish_reason = "stop"
    result.total_seconds = time.perf_counter() - start
    result.done = True
    yield best


def _surface_logprob(model, tokenizer, cache, first: torch.Tensor, surface: str) -> float:
    """Summed log-probability of `" " + surface` after the prompt whose cache is `cache`."""
    ids = tokenizer(" " + surface, add_special_tokens=False).input_ids
    total = float(first[ids[0]])
    if len(ids) > 1:
        step = torch.tensor([ids[:-1]], device=model.device)
        out = model(input_ids=step, use_cache=True, **cache_kwargs(model, copy.deepcopy(cache)))
        logprobs = out.logits[0].float().log_softmax(-1)  # (len(ids) - 1, vocab)
        total += float(logprobs[torch.arange(len(ids) - 1), torch.tensor(ids[1:])].sum())
    return total
