"""Greedy generation with the timings the toolkit reports (prefill and total latency).

`generate` takes token ids or `inputs_embeds` (soft tokens mixed with plain embeddings), runs
the prefill as one forward pass, then decodes token by token with the KV cache.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch

from hyperword.prompts import PromptTemplate, template_for_model

__all__ = ["Generation", "answer_question", "count_tokens", "generate"]


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


def count_tokens(tokenizer, text: str) -> int:
    """Tokens of `text` under `tokenizer`, without special tokens (how context is counted)."""
    return len(tokenizer(text, add_special_tokens=False).input_ids)


@torch.inference_mode()
def generate(
    model,
    tokenizer,
    *,
    input_ids: torch.Tensor | None = None,
    inputs_embeds: torch.Tensor | None = None,
    max_new_tokens: int = 32,
    stop_at_newline: bool = True,
) -> tuple[str, int, float, float]:
    """Greedy decoding from ids `(1, seq)` or embeddings `(1, seq, d_model)`.

    Returns:
        `(text, new_tokens, prefill_seconds, total_seconds)`.
    """
    if (input_ids is None) == (inputs_embeds is None):
        raise ValueError("pass exactly one of input_ids and inputs_embeds")
    device = model.device
    start = time.perf_counter()
    # Only the last position's logits are needed: with a 262k vocabulary, logits for every
    # prompt position would cost more than the transformer layers themselves.
    if input_ids is not None:
        out = model(input_ids=input_ids.to(device), use_cache=True, logits_to_keep=1)
    else:
        embeds = inputs_embeds.to(device, model.dtype)
        out = model(inputs_embeds=embeds, use_cache=True, logits_to_keep=1)
    prefill = time.perf_counter() - start
    past, logits = out.past_key_values, out.logits[:, -1, :]
    eos = _eos_ids(tokenizer, model)
    generated: list[int] = []
    for _ in range(max_new_tokens):
        next_id = int(logits.argmax(dim=-1))
        if next_id in eos:
            break
        generated.append(next_id)
        if stop_at_newline and "\n" in tokenizer.decode(generated[-1:]):
            break
        step = torch.tensor([[next_id]], device=device)
        out = model(input_ids=step, past_key_values=past, use_cache=True)
        past, logits = out.past_key_values, out.logits[:, -1, :]
    total = time.perf_counter() - start
    text = tokenizer.decode(generated, skip_special_tokens=True)
    return text, len(generated), prefill, total


def answer_question(
    model,
    tokenizer,
    question: str,
    context: str | None,
    *,
    template: PromptTemplate | None = None,
    max_new_tokens: int = 32,
) -> Generation:
    """Answer `question` from `context` (or closed-book when `context` is None)."""
    template = template or template_for_model(getattr(model, "name_or_path", None))
    parts = template.render(question=question, context=context)
    prompt_ids = tokenizer(parts.text, return_tensors="pt").input_ids
    context_tokens = count_tokens(tokenizer, parts.context)
    text, new_tokens, prefill, total = generate(
        model, tokenizer, input_ids=prompt_ids, max_new_tokens=max_new_tokens
    )
    return Generation(
        text=text.split("\n")[0].strip(),
        prompt_tokens=int(prompt_ids.shape[1]),
        context_tokens=context_tokens,
        new_tokens=new_tokens,
        prefill_seconds=prefill,
        total_seconds=total,
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
