"""Held-out answer quality of an encoder during training, per context level.

The scoring function is passed in (the toolkit's SQuAD F1 lives in `eval`, which library
packages do not import); the CLI hands in `eval.metrics.f1_score`.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

import torch

from adapters.encoder_batches import Sample, batch_loss
from adapters.encoder_data import QaItem
from adapters.encoder_prompts import PromptBuilder
from hyperword.encoder import HyperwordEncoder, answer_from_rows

__all__ = ["QaEvaluator", "heldout_loss", "sample_items"]

Scorer = Callable[[str, tuple[str, ...]], float]


def sample_items(items: Sequence[QaItem], n: int, *, seed: int = 0) -> list[QaItem]:
    """`n` questions drawn uniformly without replacement, seeded."""
    return random.Random(seed).sample(list(items), min(n, len(items)))


class QaEvaluator:
    """Mean score of greedy answers with the passage at each level (soft levels and `text`).

    Args:
        items: Held-out questions.
        score: `score(prediction, answers) -> float` in [0, 1], e.g. SQuAD F1.
        levels: Levels to report; `text` feeds the passage verbatim through the decoder.
            None: every level the encoder serves, then `text`.
        max_context_tokens: Passages are cut to this many base tokens, as in training.
    """

    def __init__(
        self,
        items: Sequence[QaItem],
        score: Scorer,
        *,
        levels: Sequence[str] | None = None,
        max_context_tokens: int = 256,
    ):
        self.items = list(items)
        self.score = score
        self.levels = None if levels is None else tuple(levels)
        self.max_context_tokens = max_context_tokens

    @torch.no_grad()
    def __call__(self, encoder: HyperwordEncoder) -> dict[str, float]:
        builder = PromptBuilder(encoder, encoder.config.template)
        model, tokenizer = encoder.model, encoder.tokenizer
        levels = self.levels or (*encoder.config.levels, "text")
        totals = dict.fromkeys(levels, 0.0)
        for item in self.items:
            ids = tokenizer(item.context, add_special_tokens=False).input_ids
            ids = tuple(ids[: self.max_context_tokens])
            for level in levels:
                rows = builder.context_rows([Sample(level, "qa", ids, (), item.question)])[0]
                answer = answer_from_rows(model, tokenizer, builder.template, item.question, rows)
                totals[level] += self.score(answer.text, item.answers)
        n = max(1, len(self.items))
        return {f"f1_{level}": 100 * total / n for level, total in totals.items()}


@torch.no_grad()
def heldout_loss(
    encoder: HyperwordEncoder,
    items: Sequence[QaItem],
    *,
    level: str,
    max_context_tokens: int = 256,
    contexts: Sequence[str] | None = None,
) -> float:
    """Mean teacher-forced loss of the gold answers with the passage at `level`.

    `contexts` replaces each item's passage (e.g. another question's, to measure how much the
    right passage helps: a probe of what the soft tokens carry).
    """
    builder = PromptBuilder(encoder, encoder.config.template)
    tokenizer = encoder.tokenizer
    contexts = [item.context for item in items] if contexts is None else list(contexts)
    if len(contexts) != len(items):
        raise ValueError(f"{len(contexts)} contexts for {len(items)} items")
    total = 0.0
    for item, passage in zip(items, contexts, strict=True):
        context = tokenizer(passage, add_special_tokens=False).input_ids
        target = tokenizer(f" {item.answers[0]}\n", add_special_tokens=False).input_ids
        sample = Sample(
            level, "qa", tuple(context[:max_context_tokens]), tuple(target), item.question
        )
        total += batch_loss(encoder.model, builder.prompt_rows([sample]), [target]).item()
    return total / max(1, len(items))
