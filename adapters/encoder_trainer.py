"""Train a `HyperwordEncoder` (projectors, markers, decoder LoRA) on a mixture of objectives.

    result = train_encoder(EncoderTrainingConfig(output_dir="runs/enc", squad="squad.json.gz"))

The output folder holds `training_config.json`, `checkpoint/` (the encoder in fp32 plus the
optimizer state; written atomically every `save_every` steps), `curve.json` (loss and any
evaluation per step) and, at the end, `encoder/` (fp16, loadable with
`HyperwordEncoder.from_pretrained`). Running again with the same settings resumes from the
checkpoint; the batch drawn at each step depends only on the seed and the step, so a resumed
run sees the same data as an uninterrupted one.
"""

from __future__ import annotations

import json
import logging
import random
import shutil
import tempfile
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import torch

from adapters.encoder_batches import AUTOENCODE_PROMPT, Sample, batch_loss, draw_sample
from adapters.encoder_config import EncoderTrainingConfig
from adapters.encoder_data import (
    read_nq_items,
    read_squad_items,
    read_text_spans,
    split_articles,
)
from adapters.exceptions import TrainingConfigError
from hyperword.encoder import EncoderConfig, HyperwordEncoder, qa_embeds, text_rows
from hyperword.encoder.base import slots_for
from hyperword.encoder.encoder import replace_folder
from hyperword.encoder.features import pool_windows
from hyperword.prompts import get_template
from hyperword.rows import token_rows

__all__ = ["Evaluator", "PromptBuilder", "TrainResult", "train_encoder"]

logger = logging.getLogger(__name__)

Evaluator = Callable[[HyperwordEncoder], dict[str, float]]

CONFIG_FILE = "training_config.json"
CHECKPOINT_DIR = "checkpoint"
STATE_FILE = "trainer_state.pt"
CURVE_FILE = "curve.json"
FINAL_DIR = "encoder"


@dataclass
class TrainResult:
    """Where a run wrote its encoder, how far it got and what it measured."""

    output_dir: Path
    encoder_dir: Path
    steps: int
    resumed_from: int
    seconds: float
    curve: list[dict] = field(default_factory=list)


class PromptBuilder:
    """Prompt rows for samples; frozen pooled features are cached per (span, level)."""

    def __init__(self, encoder: HyperwordEncoder, template_name: str):
        self.encoder = encoder
        self.template = get_template(template_name)
        self._pooled: dict[tuple, torch.Tensor] = {}

    def context_rows(self, sample: Sample) -> torch.Tensor:
        if sample.level == "text":
            return token_rows(self.encoder.model, sample.context_ids)
        n_slots = slots_for(len(sample.context_ids), sample.level)
        key = (sample.context_ids, sample.level)
        if key not in self._pooled:
            features = self.encoder.span_features(sample.context_ids)
            self._pooled[key] = pool_windows(features, n_slots)  # (n_slots, feature_dim)
        projector = self.encoder.projectors[sample.level]
        soft = projector(self._pooled[key].to(projector.gain.device))
        return self.encoder.wrap(soft, level=sample.level)

    def prompt_rows(self, sample: Sample) -> torch.Tensor:
        model, tokenizer = self.encoder.model, self.encoder.tokenizer
        context = self.context_rows(sample)
        if sample.objective == "qa":
            return qa_embeds(model, tokenizer, self.template, sample.question, context)
        bos = text_rows(model, tokenizer, "", bos=True)
        if sample.objective == "autoencode":
            return torch.cat([bos, context, text_rows(model, tokenizer, AUTOENCODE_PROMPT)])
        return torch.cat([bos, context])


def train_encoder(
    config: EncoderTrainingConfig,
    *,
    evaluator: Evaluator | None = None,
    model=None,
    tokenizer=None,
    progress: bool = True,
) -> TrainResult:
    """Run (or resume) the training `config` describes; see the module docstring."""
    if config.threads:
        torch.set_num_threads(config.threads)
    out = Path(config.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    _check_resumable(config, out)
    if model is None:
        from hyperword.models import load_base_model

        model, tokenizer = load_base_model(config.base_model, device=config.device)
    qa_items, spans = _load_data(config)
    encoder, state = _build_encoder(config, model, tokenizer, out, qa_items, spans)
    encoder.train()
    optimizer = _optimizer(config, encoder)
    if state:
        optimizer.load_state_dict(state["optimizer"])
    start = state.get("step", 0)
    curve: list[dict] = state.get("curve", [])
    contexts = PromptBuilder(encoder, encoder.config.template)
    levels, level_weights = zip(*config.levels.items(), strict=True)
    objectives, objective_weights = zip(*config.objectives.items(), strict=True)
    soft_levels = [lv for lv in levels if lv != "text"] or ["scene"]
    autocast = (
        torch.autocast(encoder.device.type, dtype=torch.bfloat16)
        if config.precision == "bf16"
        else nullcontext()
    )
    began, window = time.perf_counter(), []
    bar = _progress(start, config.steps, progress)
    try:
        for step in range(start, config.steps):
            rng = random.Random(config.seed * 1_000_003 + step)
            samples = []
            # One level per batch: mixing plain passages with soft runs would pad every
            # sample to the plain passage's length.
            batch_level = rng.choices(levels, level_weights)[0]
            for _ in range(config.batch_size):
                objective = rng.choices(objectives, objective_weights)[0]
                level = batch_level
                if level == "text" and objective == "autoencode":
                    level = rng.choice(soft_levels)  # copying visible text teaches nothing
                samples.append(
                    draw_sample(
                        rng,
                        level=level,
                        objective=objective,
                        qa_items=qa_items,
                        spans=spans,
                        tokenizer=tokenizer,
                        max_context_tokens=config.max_context_tokens,
                        max_target_tokens=config.max_target_tokens,
                    )
                )
            _set_lr(optimizer, config, step)
            with autocast:
                prompts = [contexts.prompt_rows(s) for s in samples]
                loss = batch_loss(encoder.model, prompts, [list(s.target_ids) for s in samples])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(_trainable(encoder), 1.0)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            window.append(loss.detach().item())
            done = step + 1
            bar.update(1)
            bar.set_postfix(loss=f"{window[-1]:.3f}")
            if done % config.log_every == 0 or done == config.steps:
                curve.append(_point(done, window, began))
                window = []
            if evaluator is not None and (done % config.eval_every == 0 or done == config.steps):
                if not curve or curve[-1]["step"] != done:
                    curve.append(_point(done, [], began))
                _evaluate(encoder, evaluator, curve[-1])
            if done % config.save_every == 0 or done == config.steps:
                _save_checkpoint(encoder, optimizer, done, curve, out)
    except KeyboardInterrupt:
        logger.warning("interrupted: the last checkpoint in %s resumes this run", out)
        raise
    finally:
        bar.close()
    final = encoder.save_pretrained(out / FINAL_DIR)
    _write_curve(curve, out)
    return TrainResult(
        output_dir=out,
        encoder_dir=final,
        steps=config.steps,
        resumed_from=start,
        seconds=time.perf_counter() - began,
        curve=curve,
    )


def _check_resumable(config: EncoderTrainingConfig, out: Path) -> None:
    saved = out / CONFIG_FILE
    if saved.is_file() and (out / CHECKPOINT_DIR).is_dir():
        previous = json.loads(saved.read_text())
        previous_key = EncoderTrainingConfig.from_dict(previous, source=str(saved)).resume_key()
        if previous_key != config.resume_key():
            changed = sorted(k for k in previous_key if previous_key[k] != config.resume_key()[k])
            raise TrainingConfigError(
                f"{out} holds a checkpoint of a run with other settings ({', '.join(changed)}); "
                "use another output_dir or restore those settings to resume"
            )
    saved.write_text(json.dumps(config.to_dict(), indent=2, sort_keys=True) + "\n")


def _load_data(config: EncoderTrainingConfig):
    qa_items, spans = [], []
    if config.squad:
        train_articles, _ = split_articles(config.squad, config.heldout_articles)
        qa_items = read_squad_items(train_articles)
    if config.nq:
        qa_items += read_nq_items(config.nq)
    if config.text_corpus:
        spans = read_text_spans(config.text_corpus)
    return qa_items, spans


def _build_encoder(config: EncoderTrainingConfig, model, tokenizer, out: Path, qa_items, spans):
    checkpoint = out / CHECKPOINT_DIR
    if checkpoint.is_dir():
        encoder = HyperwordEncoder.from_pretrained(
            checkpoint / "encoder", model=model, tokenizer=tokenizer, trainable=True
        )
        state = torch.load(checkpoint / STATE_FILE, map_location="cpu", weights_only=False)
        logger.info("resuming %s from step %d", out, state["step"])
        return encoder, state
    if config.init_from:
        return HyperwordEncoder.from_pretrained(
            config.init_from, model=model, tokenizer=tokenizer, trainable=True
        ), {}
    torch.manual_seed(config.seed)  # projector and marker initialisation
    encoder_config = EncoderConfig(
        base_model=config.base_model,
        d_model=model.config.hidden_size,
        template=config.template,
        **config.encoder,
    )
    encoder = HyperwordEncoder(encoder_config, model, tokenizer)
    encoder.fit_feature_stats(_stat_spans(config, tokenizer, qa_items, spans))
    return encoder, {}


def _stat_spans(config: EncoderTrainingConfig, tokenizer, qa_items, spans) -> list[list[int]]:
    """Up to 32 training contexts, drawn with the run's seed, for the feature statistics."""
    texts = sorted({item.context for item in qa_items}) + list(spans)
    chosen = random.Random(config.seed).sample(texts, min(32, len(texts)))
    ids = [tokenizer(text, add_special_tokens=False).input_ids for text in chosen]
    return [i[: config.max_context_tokens] for i in ids if i]


def _trainable(encoder: HyperwordEncoder) -> list[torch.nn.Parameter]:
    return [p for p in encoder.parameters() if p.requires_grad]


def _optimizer(config: EncoderTrainingConfig, encoder: HyperwordEncoder):
    own = list(encoder.projectors.parameters()) + list(encoder.markers.values())
    own_ids = {id(p) for p in own}
    lora = [p for p in encoder.model.parameters() if p.requires_grad and id(p) not in own_ids]
    return torch.optim.AdamW(
        [
            {"params": own, "lr": config.lr_projector, "base_lr": config.lr_projector},
            {"params": lora, "lr": config.lr_lora, "base_lr": config.lr_lora},
        ],
        weight_decay=config.weight_decay,
    )


def _set_lr(optimizer, config: EncoderTrainingConfig, step: int) -> None:
    scale = min(1.0, (step + 1) / max(1, config.warmup_steps))
    for group in optimizer.param_groups:
        group["lr"] = group["base_lr"] * scale


def _point(step: int, losses: list[float], began: float) -> dict:
    point = {"step": step, "seconds": round(time.perf_counter() - began, 1)}
    if losses:
        point["loss"] = round(sum(losses) / len(losses), 4)
    return point


def _evaluate(encoder: HyperwordEncoder, evaluator: Evaluator, point: dict) -> None:
    encoder.eval()
    try:
        point.update({k: round(float(v), 4) for k, v in evaluator(encoder).items()})
    finally:
        encoder.train()
    logger.info("step %d: %s", point["step"], point)


def _save_checkpoint(encoder, optimizer, step: int, curve: list[dict], out: Path) -> None:
    tmp = Path(tempfile.mkdtemp(prefix=".checkpoint.", dir=out))
    try:
        encoder.save_pretrained(tmp / "encoder", dtype=torch.float32)
        state = {"step": step, "optimizer": optimizer.state_dict(), "curve": curve}
        torch.save(state, tmp / STATE_FILE)
        replace_folder(tmp, out / CHECKPOINT_DIR)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _write_curve(curve, out)


def _write_curve(curve: list[dict], out: Path) -> None:
    tmp = out / f".{CURVE_FILE}.tmp"
    tmp.write_text(json.dumps(curve, indent=1) + "\n")
    tmp.replace(out / CURVE_FILE)


def _progress(start: int, total: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=start, disable=not enabled, desc="train", unit="step")
