"""The training loss of a batch: cross-entropy on the targets, optionally mixed with
self-distillation from the same decoder reading each context as text (`distill`)."""

from __future__ import annotations

from dataclasses import replace

import torch
import torch.nn.functional as F

from adapters.encoder_batches import Sample, target_cross_entropy, target_logits
from adapters.encoder_prompts import PromptBuilder
from hyperword.encoder import HyperwordEncoder

__all__ = ["DISTILLED_OBJECTIVES", "distillation_loss", "step_loss"]

# Objectives whose targets the decoder reading the context as text predicts with a
# distribution worth matching (copying visible text would teach only the copy).
DISTILLED_OBJECTIVES = ("qa", "continuation")


def step_loss(
    encoder: HyperwordEncoder, prompts: PromptBuilder, samples: list[Sample], *, distill: float
) -> tuple[torch.Tensor, dict[str, float]]:
    """The training loss of a batch and its parts (floats, nats per target token).

    The loss is the cross-entropy on the targets; with `distill` > 0 it is the mix
    `(1 - distill) * cross-entropy + distill * KL`, the KL to the same decoder's
    distributions with each soft sample's context as text (qa and continuation samples; a
    batch without any is cross-entropy alone). The parts: `loss_cross_entropy` always,
    `loss_distillation` when a KL was taken.
    """
    targets = [list(s.target_ids) for s in samples]
    logits = target_logits(encoder.model, prompts.prompt_rows(samples), targets)
    loss = target_cross_entropy(logits, targets)
    taught = [
        i
        for i, s in enumerate(samples)
        if s.level != "text" and s.objective in DISTILLED_OBJECTIVES
    ]
    parts = {"loss_cross_entropy": loss.detach().item()}
    if distill <= 0 or not taught:
        return loss, parts
    as_text = [replace(samples[i], level="text") for i in taught]
    with torch.no_grad():  # the teacher: the same decoder, the context as text
        teacher = target_logits(
            encoder.model, prompts.prompt_rows(as_text), [targets[i] for i in taught]
        )
    # Which rows of `logits` (one per target token) predict a taught sample's tokens.
    taught_rows = [i in taught for i, t in enumerate(targets) for _ in t]
    kl = distillation_loss(logits[torch.tensor(taught_rows, device=logits.device)], teacher)
    parts["loss_distillation"] = kl.detach().item()
    return (1 - distill) * loss + distill * kl, parts


def distillation_loss(student: torch.Tensor, teacher: torch.Tensor) -> torch.Tensor:
    """Mean KL divergence KL(teacher || student) per target token, in nats.

    Args:
        student: `(targets, vocab)` logits of the decoder reading the compressed context.
        teacher: `(targets, vocab)` logits of the same targets with the context as text
            (no gradient is taken through them).
    """
    return F.kl_div(
        F.log_softmax(student, dim=-1),
        F.log_softmax(teacher.detach(), dim=-1),
        log_target=True,
        reduction="batchmean",
    )
