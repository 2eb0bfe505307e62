"""Generation with the timings the toolkit reports (prefill and total latency).

`generate` takes token ids or `inputs_embeds` (soft tokens mixed with plain embeddings), runs
the prefill as one forward pass, then decodes token by token with the KV cache: greedy by
default, sampled with a `Sampling`. `stream` does the same and yields text pieces as they
are decoded (for streaming answers).
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import torch

from hyperword.prompts import PromptTemplate, template_for_model

__all__ = [
    "Generation",
    "Sampling",
    "TokenStream",
    "answer_pieces",
    "answer_question",
    "answer_text",
    "cache_kwargs",
    "count_tokens",
    "cut_at_stop",
    "first_line",
    "generate",
    "output_cache",
    "prefill",
    "stop_sequences",
    "stream",
]


@dataclass(frozen=True)
class Generation:
    """What one generation produced and cost.

    Attributes:
        text: The decoded answer, cut at the first newline and stripped.
        prompt_tokens: Input positions the model attended over (the whole prompt).
        context_tokens: Of those, the positions spent on the context.
        new_tokens: Tokens generated.
        prefill_seconds: Time of the forward pass over the prompt.
        total_seconds: Prefill plus decoding.
        template: Name of the prompt template used.
    """

    text: str
    prompt_tokens: int
    context_tokens: int
    new_tokens: int
    prefill_seconds: float
    total_seconds: float
    template: str = ""

    @property
    def tokens_per_second(self) -> float:
        decode = self.total_seconds - self.prefill_seconds
        return self.new_tokens / decode if decode > 0 else 0.0


def first_line(text: str) -> str:
    """`text` up to its first newline: answers are one line (the toolkit's one newline cut)."""
    return text.split("\n")[0]


def stop_sequences(stop: Sequence[str] = (), *, stop_at_newline: bool = True) -> tuple[str, ...]:
    """The strings an answer ends before: `stop`, and a newline with `stop_at_newline`."""
    return (*stop, "\n") if stop_at_newline else tuple(stop)


def cut_at_stop(text: str, stops: Sequence[str]) -> tuple[str, bool]:
    """`text` up to the earliest of `stops`, and whether one was found."""
    ends = [i for i in (text.find(s) for s in stops if s) if i >= 0]
    return (text[: min(ends)], True) if ends else (text, False)


def answer_text(text: str, *, stop_at_newline: bool = True, stop: Sequence[str] = ()) -> str:
    """The answer in generated `text`: cut before the first stop sequence (and, with
    `stop_at_newline`, the first newline), stripped."""
    return cut_at_stop(text, stop_sequences(stop, stop_at_newline=stop_at_newline))[0].strip()


def answer_pieces(
    pieces: Iterable[str], *, stop_at_newline: bool = True, stop: Sequence[str] = ()
) -> Iterator[str]:
    """`answer_text` as it streams: the pieces join to exactly the answer.

    Text that may still turn out to be part of a stop sequence, and trailing whitespace, are
    held back until the text after them arrives.
    """
    stops = stop_sequences(stop, stop_at_newline=stop_at_newline)
    received, sent, stopped = "", "", False
    for piece in pieces:  # read to the end, so that a `TokenStream` records its cost
        if stopped:
            continue
        received += piece
        text, stopped = cut_at_stop(received, stops)
        if not stopped:
            text = text[: len(text) - _partial_stop(text, stops)]
        visible = text.strip()
        if visible.startswith(sent) and len(visible) > len(sent):
            yield visible[len(sent) :]
            sent = visible
    visible = cut_at_stop(received, stops)[0].strip()
    if visible.startswith(sent) and len(visible) > len(sent):
        yield visible[len(sent) :]


def _partial_stop(text: str, stops: Sequence[str]) -> int:
    """Length of the longest end of `text` that begins one of `stops`."""
    return max(
        (
            n
            for s in stops
            for n in range(min(len(s) - 1, len(text)), 0, -1)
            if text.endswith(s[:n])
        ),
        default=0,
    )


def count_tokens(tokenizer, text: str) -> int:
    """Tokens of `text` under `tokenizer`, without special tokens (how context is counted)."""
    return len(tokenizer(text, add_special_tokens=False).input_ids)


@dataclass(frozen=True)
class Sampling:
    """How the next token is chosen: greedy (`temperature=0`, the default) or sampled.

    Args:
        temperature: Softmax temperature; 0 picks the most likely token (greedy).
        top_p: Nucleus sampling: keep the smallest set of tokens whose probability reaches it.
        top_k: Keep only the `top_k` most likely tokens (0: no limit).
        seed: Seeds this generation's own random generator (reproducible; thread-safe).
    """

    temperature: float = field(default=0.0, metadata={"help": "0 = greedy"})
    top_p: float = field(default=1.0, metadata={"help": "nucleus mass, (0, 1]"})
    top_k: int = field(default=0, metadata={"help": "0 = no limit"})
    seed: int | None = field(default=None, metadata={"help": "None = nondeterministic"})

    def __post_init__(self) -> None:
        if not 0 <= self.temperature <= 100:
            raise ValueError(f"temperature must be in [0, 100], got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}")
        if self.top_k < 0:
            raise ValueError(f"top_k must be >= 0, got {self.top_k}")

    @property
    def greedy(self) -> bool:
        return self.temperature == 0


class TokenStream:
    """An iterator over the text pieces of one generation, with its cost once exhausted.

    Iterating yields decoded text as it grows (a piece is held back while it ends in an
    incomplete character). After the last piece, `text`, `new_tokens`, `prefill_seconds`,
    `total_seconds` and `finish_reason` (`"stop"`: end of sequence or newline; `"length"`:
    `max_new_tokens` reached) are set. `close()` stops early (the cost so far is kept).
    """

    def __init__(self, steps: Iterator[str]):
        self._steps = steps
        self.text = ""
        self.new_tokens = 0
        self.prefill_seconds = 0.0
        self.total_seconds = 0.0
        self.finish_reason = ""
        self.done = False

    def __iter__(self) -> TokenStream:
        return self

    def __next__(self) -> str:
        return next(self._steps)

    def close(self) -> None:
        self._steps.close()

    def consume(self) -> TokenStream:
        """Run to the end; returns self."""
        for _ in self:
            pass
        return self


def stream(
    model,
    tokenizer,
    *,
    input_ids: torch.Tensor | None = None,
    inputs_embeds: torch.Tensor | None = None,
    max_new_tokens: int = 32,
    stop_at_newline: bool = True,
    sampling: Sampling | None = None,
    stop: Sequence[str] = (),
) -> TokenStream:
    """Decode from ids `(1, seq)` or embeddings `(1, seq, d_model)`, piece by piece.

    Decoding ends at the end of sequence, after a newline with `stop_at_newline`, once the
    text holds one of the `stop` strings, or after `max_new_tokens`. The pieces are the raw
    text (cut it with `answer_pieces` / `answer_text`). The prefill runs on the first
    `next()`. See `TokenStream` for what it reports.
    """
    if (input_ids is None) == (inputs_embeds is None):
        raise ValueError("pass exactly one of input_ids and inputs_embeds")
    result = TokenStream(iter(()))
    result._steps = _steps(
        result,
        model,
        tokenizer,
        input_ids=input_ids,
        inputs_embeds=inputs_embeds,
        max_new_tokens=max_new_tokens,
        stop_at_newline=stop_at_newline,
        sampling=sampling or Sampling(),
        stop=tuple(s for s in stop if s),
    )
    return result


@torch.inference_mode()
def _steps(
    result: TokenStream,
    model,
    tokenizer,
    *,
    input_ids: torch.Tensor | None,
    inputs_embeds: torch.Tensor | None,
    max_new_tokens: int,
    stop_at_newline: bool,
    sampling: Sampling,
    stop: tuple[str, ...] = (),
) -> Iterator[str]:
    device = model.device
    generator = None
    if not sampling.greedy and sampling.seed is not None:
        generator = torch.Generator(device=device).manual_seed(sampling.seed)
    start = time.perf_counter()
    out = prefill(model, input_ids=input_ids, inputs_embeds=inputs_embeds)
    result.prefill_seconds = time.perf_counter() - start
    past, logits = output_cache(out), out.logits[:, -1, :]
    eos = _eos_ids(tokenizer, model)
    generated: list[int] = []
    emitted = ""
    result.finish_reason = "length"
    try:
        for _ in range(max_new_tokens):
            next_id = _next_token(logits, sampling, generator)
            if next_id in eos:
                result.finish_reason = "stop"
                break
            generated.append(next_id)
            result.new_tokens = len(generated)
            text = tokenizer.decode(generated, skip_special_tokens=True)
            grown = text.startswith(emitted) and len(text) > len(emitted)
            if grown and not text.endswith("\ufffd"):  # hold back half a character
                piece, emitted = text[len(emitted) :], text
                yield piece
            newline = stop_at_newline and "\n" in tokenizer.decode(generated[-1:])
            if newline or (stop and any(s in text for s in stop)):
                result.finish_reason = "stop"
                break
            step = torch.tensor([[next_id]], device=device)
            out = model(input_ids=step, use_cache=True, **cache_kwargs(model, past))
            past, logits = output_cache(out), out.logits[:, -1, :]
        result.text = tokenizer.decode(generated, skip_special_tokens=True)
        if result.text.startswith(emitted) and len(result.text) > len(emitted):
            yield result.text[len(emitted) :]
    finally:
        result.text = result.text or tokenizer.decode(generated, skip_special_tokens=True)
        result.new_tokens = len(generated)
        result.total_seconds = time.perf_counter() - start
        result.done = True


def prefill(model, *, input_ids: torch.Tensor | None, inputs_embeds: torch.Tensor | None):
    """One forward pass over the prompt (ids `(1, seq)` or embeddings `(1, seq, d_model)`)
    with the KV cache on, keeping the last position's logits only: with a 262k vocabulary,
    logits for every prompt position would cost more than the transformer layers."""
    device = model.device
    if input_ids is not None:
        return model(input_ids=input_ids.to(device), use_cache=True, logits_to_keep=1)
    embeds = inputs_embeds.to(device, model.dtype)
    return model(inputs_embeds=embeds, use_cache=True, logits_to_keep=1)


def cache_kwargs(model, cache) -> dict:
    """The keyword that hands `model` its KV cache: `cache` in transformers 5.2x, where
    `past_key_values` is deprecated; `past_key_values` where `forward` has no `cache`."""
    forward = getattr(model, "forward", model)
    try:
        takes_cache = "cache" in inspect.signature(forward).parameters
    except (TypeError, ValueError):
        takes_cache = False
    return {"cache": cache} if takes_cache else {"past_key_values": cache}


def output_cache(out):
    """The KV cache a forward pass returned (`cache`, or `past_key_values` before it)."""
    cache = out.get("cache") if hasattr(out, "get") else getattr(out, "cache", None)
    return cache if cache is not None else out.past_key_values


def _next_token(logits: torch.Tensor, sampling: Sampling, generator) -> int:
    """The next id from last-position logits `(1, vocab)`."""
    if sampling.greedy:
        return int(logits.argmax(dim=-1))
    scores = logits[0].float() / sampling.temperature  # (vocab,)
    if sampling.top_k:
        kth = torch.topk(scores, min(sampling.top_k, scores.shape[-1])).values[-1]
        scores = scores.masked_fill(scores < kth, float("-inf"))
    if sampling.top_p < 1:
        sorted_scores, order = torch.sort(scores, descending=True)
        sorted_probs = torch.softmax(sorted_scores, dim=-1)
        # drop a token once the mass before it already reaches top_p (the first always stays)
        drop = (sorted_probs.cumsum(dim=-1) - sorted_probs) >= sampling.top_p  # sorted order
        scores = scores.masked_fill(torch.zeros_like(drop).scatter(0, order, drop), float("-inf"))
    probs = torch.softmax(scores, dim=-1)
    return int(torch.multinomial(probs, 1, generator=generator))


def generate(
    model,
    tokenizer,
    *,
    input_ids: torch.Tensor | None = None,
    inputs_embeds: torch.Tensor | None = None,
    max_new_tokens: int = 32,
    stop_at_newline: bool = True,
    sampling: Sampling | None = None,
) -> tuple[str, int, float, float]:
    """Decode from ids `(1, seq)` or embeddings `(1, seq, d_model)`; greedy by default.

    Returns:
        `(text, new_tokens, prefill_seconds, total_seconds)`.
    """
    result = stream(
        model,
        tokenizer,
        input_ids=input_ids,
        inputs_embeds=inputs_embeds,
        max_new_tokens=max_new_tokens,
        stop_at_newline=stop_at_newline,
        sampling=sampling,
    ).consume()
    return result.text, result.new_tokens, result.prefill_seconds, result.total_seconds


def answer_question(
    model,
    tokenizer,
    question: str,
    context: str | None,
    *,
    template: PromptTemplate | None = None,
    max_new_tokens: int = 32,
    answer_forms: bool = False,
) -> Generation:
    """Answer `question` from `context` (or closed-book when `context` is None); with
    `answer_forms`, yes/no and either-or questions get their likeliest option
    (`hyperword.answer_forms`)."""
    from hyperword.answer_forms import answer_stream  # it builds on this module

    template = template or template_for_model(getattr(model, "name_or_path", None))
    parts = template.render(question=question, context=context)
    prompt_ids = tokenizer(parts.text, return_tensors="pt").input_ids
    context_tokens = count_tokens(tokenizer, parts.context)
    result = answer_stream(
        model,
        tokenizer,
        question=question,
        forms=answer_forms,
        input_ids=prompt_ids,
        max_new_tokens=max_new_tokens,
    ).consume()
    return Generation(
        text=answer_text(result.text),
        prompt_tokens=int(prompt_ids.shape[1]),
        context_tokens=context_tokens,
        new_tokens=result.new_tokens,
        prefill_seconds=result.prefill_seconds,
        total_seconds=result.total_seconds,
        template=template.name,
    )


def _eos_ids(tokenizer, model) -> set[int]:
    ids = {tokenizer.eos_token_id}
    configured = getattr(model.generation_config, "eos_token_id", None)
    if isinstance(configured, int):
        ids.add(configured)
    elif configured:
        ids.update(configured)
    # Gemma ends turns with <end_of_turn>, not always its eos.
    end_of_turn = tokenizer.convert_tokens_to_ids("<end_of_turn>")
    if isinstance(end_of_turn, int) and end_of_turn != tokenizer.unk_token_id:
        ids.add(end_of_turn)
    ids.discard(None)
    return ids
