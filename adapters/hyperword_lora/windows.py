"""Windows of text for the hyperword adapter: a context read as hyperwords, then plain text.

Text is cut into windows of `context_tokens` base tokens followed by `continuation_tokens`
base tokens. The context is fed as hyper-embeddings (one input vector per hyperword,
`HyperwordTokenizer.embed`), the continuation as plain tokens; the loss is the next-token
cross-entropy on the continuation only. The same windows measure perplexity
(`continuation_nll`) with the context fed plain, as hyperwords, or not at all.

Logits are computed only at the continuation positions (`logits_to_keep`): with Gemma's
262,144-entry vocabulary, logits at every position would cost more than the layers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from adapters.exceptions import TrainingConfigError

__all__ = [
    "CONTEXT_MODES",
    "Window",
    "continuation_nll",
    "make_windows",
    "qa_windows",
    "window_embeds",
]

CONTEXT_MODES = ("plain", "hyperword", "none")


@dataclass(frozen=True)
class Window:
    """A context (base ids) and the continuation after it (base ids).

    `prefix` and `suffix` (base ids) go before and after the context as plain tokens; a
    `prefix` of None means `[BOS]`. A question-answering example is a window whose prefix is
    the prompt's head, whose suffix is the question and whose continuation is the answer.
    """

    context: tuple[int, ...]
    continuation: tuple[int, ...]
    prefix: tuple[int, ...] | None = None
    suffix: tuple[int, ...] = ()


def make_windows(
    documents: Iterable[Sequence[int]],
    *,
    context_tokens: int = 256,
    continuation_tokens: int = 64,
) -> list[Window]:
    """Consecutive, non-overlapping windows of each document's base ids (the tail is dropped)."""
    size = context_tokens + continuation_tokens
    windows = []
    for ids in documents:
        for start in range(0, len(ids) - size + 1, size):
            chunk = tuple(ids[start : start + size])
            windows.append(Window(chunk[:context_tokens], chunk[context_tokens:]))
    return windows


def qa_windows(
    examples: Iterable[tuple[str, str, str]], base_tokenizer: Any, template: Any
) -> list[Window]:
    """Question-answering windows: prompt head, context, question, then the answer.

    Args:
        examples: `(context, question, answer)` triples.
        base_tokenizer: The base model's tokenizer.
        template: A `hyperword.prompts.PromptTemplate`; the continuation is `" answer\n"`,
            as the model should generate it after `Answer:`.
    """
    windows = []
    for context, question, answer in examples:
        parts = template.render(question=question, context=context)
        head = parts.prefix.rstrip()  # its trailing space starts the context, as in plain text
        context_text = parts.prefix[len(head) :] + parts.context
        encode = base_tokenizer
        windows.append(
            Window(
                context=tuple(encode(context_text, add_special_tokens=False).input_ids),
                continuation=tuple(encode(f" {answer}\n", add_special_tokens=False).input_ids),
                prefix=tuple(encode(head).input_ids),
                suffix=tuple(encode(parts.suffix, add_special_tokens=False).input_ids),
            )
        )
    return windows


def window_embeds(
    model: Any,
    tokenizer: Any,
    window: Window,
    *,
    mode: str,
    composer: Any = None,
) -> tuple[torch.Tensor, int]:
    """`inputs_embeds` `(1, n, d)` of `prefix context suffix continuation`, and context positions.

    Args:
        model: The base model (its input embeddings are used).
        tokenizer: The `HyperwordTokenizer`.
        window: The window.
        mode: `plain` (context as base tokens), `hyperword` (context as hyper-embeddings) or
            `none` (no context: `[BOS] continuation`).
        composer: Composer for hyperword positions (None: the mean).
    """
    if mode not in CONTEXT_MODES:
        raise TrainingConfigError(f"mode must be one of {CONTEXT_MODES}, got {mode!r}")
    context = {
        "plain": list(window.context),
        "hyperword": tokenizer.compress(window.context),
        "none": [],
    }[mode]
    prefix = window.prefix
    if prefix is None:
        bos = tokenizer.base_tokenizer.bos_token_id
        prefix = () if bos is None else (bos,)
    ids = [*prefix, *context, *window.suffix, *window.continuation]
    return tokenizer.embed(ids, model, composer=composer), len(context)


def continuation_nll(model: Any, inputs_embeds: torch.Tensor, continuation: Sequence[int]):
    """Summed next-token negative log-likelihood of the last `len(continuation)` positions.

    `inputs_embeds` ends with the continuation's own embeddings; logits are computed only
    for the positions that predict it (the one before it, and all but its last).
    """
    n = len(continuation)
    out = model(inputs_embeds=inputs_embeds, logits_to_keep=n + 1, use_cache=False)
    logits = out.logits[0, :-1].float()  # (n, vocab)
    targets = torch.tensor(continuation, device=logits.device)
    return torch.nn.functional.cross_entropy(logits, targets, reduction="sum")
