"""Training samples for the encoder objectives, and the loss over a padded batch.

Every sample is a prompt of embedding rows plus target token ids:

- `qa`: the prompt template with the passage as context (soft tokens or plain text); the
  target is the gold answer and a newline (generation stops there).
- `autoencode`: BOS, the compressed span, an instruction to repeat it; the target is the
  span's first tokens.
- `continuation`: BOS, the compressed first part of a span; the target is the text after it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from adapters.encoder_data import QaItem
from adapters.synthetic_facts import invented_fact_item
from hyperword.rows import token_rows

__all__ = [
    "AUTOENCODE_PROMPT",
    "QaPool",
    "Sample",
    "batch_loss",
    "draw_sample",
    "target_cross_entropy",
    "target_logits",
]

AUTOENCODE_PROMPT = "\nRepeat the context word for word:\n"


@dataclass(frozen=True)
class Sample:
    """One training sample before encoding: what to compress and what to predict."""

    level: str
    objective: str
    context_ids: tuple[int, ...]
    target_ids: tuple[int, ...]
    question: str | None = None


class QaPool:
    """Where QA items come from: fixed items per source, and invented ones generated on demand.

    Args:
        sources: `{source: items}` for the fixed sources (`squad`, `nq`).
        weights: `{source: weight}`, `invented` included; None draws every fixed item with
            equal probability, whatever its source.
    """

    def __init__(self, sources: dict[str, list[QaItem]], weights: dict[str, float] | None = None):
        self.sources = {name: items for name, items in sources.items() if items}
        self.items = [item for items in self.sources.values() for item in items]
        self.weights = None
        if weights is not None:
            self.weights = {
                name: w
                for name, w in weights.items()
                if w > 0 and (name == "invented" or name in self.sources)
            }

    def __bool__(self) -> bool:
        return bool(self.items) or bool(self.weights and "invented" in self.weights)

    def draw(self, rng: random.Random) -> QaItem:
        if self.weights is None:
            return rng.choice(self.items)
        source = rng.choices(list(self.weights), list(self.weights.values()))[0]
        if source == "invented":
            return invented_fact_item(rng)
        return rng.choice(self.sources[source])


def draw_sample(
    rng: random.Random,
    *,
    level: str,
    objective: str,
    qa: QaPool,
    spans: list[str],
    tokenizer,
    max_context_tokens: int,
    max_target_tokens: int,
) -> Sample:
    """Draw one sample for `objective` at `level` (spans come from `spans` or QA passages)."""

    def ids(text: str) -> list[int]:
        return tokenizer(text, add_special_tokens=False).input_ids

    if objective == "qa":
        item = qa.draw(rng)
        answer = ids(f" {item.answers[0]}\n")[:max_target_tokens]
        context = ids(item.context)[:max_context_tokens]
        return Sample(level, objective, tuple(context), tuple(answer), item.question)
    span = ids(rng.choice(spans) if spans else qa.draw(rng).context)
    if objective == "autoencode":
        context = span[:max_context_tokens]
        return Sample(level, objective, tuple(context), tuple(context[:max_target_tokens]))
    # continuation: compress a prefix, predict what follows
    cut = min(max_context_tokens, max(8, len(span) - max_target_tokens))
    cut = min(cut, len(span) - 1)
    return Sample(level, objective, tuple(span[:cut]), tuple(span[cut : cut + max_target_tokens]))


def batch_loss(model, prompts: list[torch.Tensor], targets: list[list[int]]) -> torch.Tensor:
    """Mean cross-entropy of the targets after their prompts, in one left-padded batch.

    Args:
        model: The decoder (base model with adapter); takes `inputs_embeds`.
        prompts: One `(seq_i, d_model)` tensor per sample (may carry gradients).
        targets: One list of target token ids per sample (teacher-forced after the prompt).
    """
    return target_cross_entropy(target_logits(model, prompts, targets), targets)


def target_cross_entropy(logits: torch.Tensor, targets: list[list[int]]) -> torch.Tensor:
    """Mean cross-entropy of `target_logits`' rows `(sum of target lengths, vocab)` against
    the target ids they predict, in nats per token."""
    labels = torch.tensor([tok for t in targets for tok in t], device=logits.device)
    return F.cross_entropy(logits, labels)


def target_logits(model, prompts: list[torch.Tensor], targets: list[list[int]]) -> torch.Tensor:
    """Logits `(sum of target lengths, vocab)` (float32) predicting each target token after
    its prompt, sample by sample in order, from one left-padded batch.

    Only the positions that predict a target token get logits (the hidden states are taken
    from the decoder stack and only those rows go through the output layer): with Gemma's
    262k-row vocabulary, logits for every position would cost more than the layers.
    """
    device = model.get_input_embeddings().weight.device
    rows = [
        torch.cat([p.to(device), token_rows(model, t)])
        for p, t in zip(prompts, targets, strict=True)
    ]
    batch, length, d_model = len(rows), max(r.shape[0] for r in rows), rows[0].shape[1]
    inputs = rows[0].new_zeros(batch, length, d_model)  # (batch, seq, d_model)
    mask = torch.zeros(batch, length, dtype=torch.long, device=device)
    for i, r in enumerate(rows):
        inputs[i, length - r.shape[0] :] = r
        mask[i, length - r.shape[0] :] = 1
    positions = (mask.cumsum(dim=1) - 1).clamp(min=0)
    # Left-padded: sample i's target token k sits at length - len(t) + k and is predicted by
    # the position before it.
    picks = [(i, length - len(t) - 1 + k) for i, t in enumerate(targets) for k in range(len(t))]
    sample_index = torch.tensor([i for i, _ in picks], device=device)
    position_index = torch.tensor([p for _, p in picks], device=device)
    causal_lm = model.get_base_model() if hasattr(model, "get_base_model") else model
    hidden = causal_lm.get_decoder()(
        inputs_embeds=inputs, attention_mask=mask, position_ids=positions, use_cache=False
    ).last_hidden_state  # (batch, seq, d_model)
    logits = causal_lm.get_output_embeddings()(hidden[sample_index, position_index]).float()
    cap = getattr(causal_lm.config, "final_logit_softcapping", None)
    if cap:
        logits = torch.tanh(logits / cap) * cap  # (targets, vocab)
    return logits
