"""Training a hyperword-reading adapter: LoRA (and optionally a composer) on windows.

The base model's weights stay frozen; peft wraps it in place. Each step reads one window's
context as hyperwords and learns to predict its plain continuation (`windows.py`).
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Sequence
from typing import Any

import torch

from adapters.exceptions import TrainingConfigError
from adapters.hyperword_lora.config import HyperwordLoraConfig, TrainingLog
from adapters.hyperword_lora.windows import Window, continuation_nll, window_embeds

__all__ = ["train_hyperword_lora"]

logger = logging.getLogger(__name__)


def train_hyperword_lora(
    model: Any,
    tokenizer: Any,
    windows: Sequence[Window],
    config: HyperwordLoraConfig,
    *,
    progress: bool = False,
) -> tuple[Any, Any, TrainingLog]:
    """Train LoRA (and a composer when `config.composer == "learned"`) on `windows`.

    The base model's weights stay frozen; peft wraps it in place.

    Returns:
        `(peft_model, composer or None, log)`.
    """
    from tqdm.auto import tqdm

    if not windows:
        raise TrainingConfigError("no training windows: give more text or shorter windows")
    torch.manual_seed(config.seed)
    peft_model = _with_lora(model, config)
    composer = _composer(model, config)
    optimizer = _optimizer(peft_model, composer, config)
    base_lrs = [g["lr"] for g in optimizer.param_groups]
    order = list(range(len(windows)))
    random.Random(config.seed).shuffle(order)
    log, start = TrainingLog(), time.perf_counter()
    bar = tqdm(total=config.steps, disable=not progress, desc="hyperword-lora", unit="step")
    for step in range(config.steps):
        if time.perf_counter() - start > 60 * config.max_minutes:
            logger.info("stopping after %.1f minutes (max_minutes)", config.max_minutes)
            break
        for group, lr in zip(optimizer.param_groups, base_lrs, strict=True):
            group["lr"] = lr * _lr_scale(step, config)
        window = windows[order[step % len(order)]]
        embeds, _ = window_embeds(
            peft_model, tokenizer, window, mode="hyperword", composer=composer
        )
        loss = continuation_nll(peft_model, embeds, window.continuation)
        loss = loss / len(window.continuation)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        log.losses.append(float(loss.detach()))
        log.steps = step + 1
        bar.update(1)
        bar.set_postfix(loss=f"{log.mean_loss():.3f}")
    bar.close()
    log.seconds = time.perf_counter() - start
    peft_model.eval()
    if composer is not None:
        composer.eval()
    return peft_model, composer, log


def _with_lora(model: Any, config: HyperwordLoraConfig) -> Any:
    """`model` wrapped in place by peft with a trainable LoRA adapter."""
    from peft import LoraConfig, get_peft_model

    lora = LoraConfig(
        r=config.rank,
        lora_alpha=config.alpha,
        lora_dropout=0.0,
        target_modules=list(config.target_modules),
        task_type="CAUSAL_LM",
    )
    peft_model = get_peft_model(model, lora)
    peft_model.train()
    return peft_model


def _composer(model: Any, config: HyperwordLoraConfig) -> Any:
    """A fresh `HyperwordComposer` when the config asks for a learned one, else None."""
    if config.composer != "learned":
        return None
    from hyperword.tokenizer.composer import ComposerConfig, HyperwordComposer

    d_model = model.get_input_embeddings().weight.shape[1]
    composer_config = ComposerConfig(
        d_model=d_model,
        rank=config.composer_rank,
        base_name=str(getattr(model, "name_or_path", "")),
    )
    return HyperwordComposer(composer_config).to(model.device)


def _optimizer(peft_model: Any, composer: Any, config: HyperwordLoraConfig) -> Any:
    """AdamW over the LoRA weights (and the composer's, at its own learning rate)."""
    trainable = [p for p in peft_model.parameters() if p.requires_grad]
    groups = [{"params": trainable, "lr": config.learning_rate}]
    if composer is not None:
        groups.append({"params": list(composer.parameters()), "lr": config.composer_learning_rate})
    return torch.optim.AdamW(groups, weight_decay=0.0)


def _lr_scale(step: int, config: HyperwordLoraConfig) -> float:
    """Linear warm-up, then cosine decay to zero at `config.steps`."""
    scale = min(1.0, (step + 1) / max(config.warmup_steps, 1))
    return scale * 0.5 * (1 + math.cos(math.pi * step / config.steps))
