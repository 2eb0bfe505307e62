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
from hyperword.rows import token_rows

__all__ = ["AUTOENCODE_PROMPT", "Sample", "batch_loss", "draw_sample"]

AUTOENCODE_PROMPT = "\nRepeat the context word for word:\n"


@dataclass(frozen=True)
class Sample:
    """One training sample before encoding: what to compress and what to predict."""

    level: str
    objective: str
    context_ids: tuple[int, ...]
    target_ids: tuple[int, ...]
    question: str | None = None


def draw_sample(
    rng: random.Random,
    *,
    level: str,
    objective: str,
    qa_items: list[QaItem],
    spans: list[str],
    tokenizer,
    max_context_tokens: int,
    max_target_tokens: int,
) -> Sample:
    """Draw one sample for `objective` at `level` (spans come from `spans` or QA passages)."""

    def ids(text: str) -> list[int]:
        return tokenizer(text, add_special_tokens=False).input_ids

    if objective == "qa":
        item = rng.choice(qa_items)
        answer = ids(f" {item.answers[0]}\n")[:max_target_tokens]
        context = ids(item.context)[:max_context_tokens]
        return Sample(level, objective, tuple(context), tuple(answer), item.question)
    span = ids(rng.choice(spans) if spans else rng.choice(qa_items).context)
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

    Only the last `max(target) + 1` positions get logits: the 262k-row vocabulary would
    otherwise cost more than the transformer layers.
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
    keep = max(len(t) for t in targets) + 1
    labels = torch.full((batch, keep), -100, dtype=torch.long, device=device)
    for i, t in enumerate(targets):
        # kept index k predicts the token at sequence position (length - keep + k + 1)
        labels[i, keep - len(t) - 1 : keep - 1] = torch.tensor(t, device=device)
    out = model(
        inputs_embeds=inputs,
        attention_mask=mask,
        position_ids=positions,
        logits_to_keep=keep,
        use_cache=False,
    )
    logits = out.logits.float()  # (batch, keep, vocab)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1))
