"""Prompts whose context is embedding rows (soft tokens or plain), and answers from them."""

from __future__ import annotations

import torch

from hyperword.generation import Generation, answer_text, generate
from hyperword.prompts import PromptTemplate
from hyperword.rows import text_rows

__all__ = ["answer_from_rows", "qa_embeds", "text_rows"]


def qa_embeds(
    model, tokenizer, template: PromptTemplate, question: str, context_rows: torch.Tensor
) -> torch.Tensor:
    """The template's prompt with `context_rows` `(n, d)` as its context: `(seq, d_model)`."""
    parts = template.render(question=question, context="")
    prefix = text_rows(model, tokenizer, parts.prefix, bos=True)
    suffix = text_rows(model, tokenizer, parts.suffix)
    return torch.cat([prefix, context_rows.to(prefix.dtype), suffix])


@torch.no_grad()
def answer_from_rows(
    model,
    tokenizer,
    template: PromptTemplate,
    question: str,
    context_rows: torch.Tensor,
    *,
    max_new_tokens: int = 32,
) -> Generation:
    """Greedy answer from a prompt whose context is `context_rows`; counts them as context."""
    embeds = qa_embeds(model, tokenizer, template, question, context_rows)
    text, new_tokens, prefill, total = generate(
        model, tokenizer, inputs_embeds=embeds.unsqueeze(0), max_new_tokens=max_new_tokens
    )
    return Generation(
        text=answer_text(text),
        prompt_tokens=int(embeds.shape[0]),
        context_tokens=int(context_rows.shape[0]),
        new_tokens=new_tokens,
        prefill_seconds=prefill,
        total_seconds=total,
        template=template.name,
    )
