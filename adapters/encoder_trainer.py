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
import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import torch

from adapters.encoder_batches import QaPool, Sample, draw_sample
from adapters.encoder_config import EncoderTrainingConfig
from adapters.encoder_data import (
    read_nq_items,
    read_squad_items,
    read_text_spans,
    split_articles,
)
from adapters.encoder_loss import step_loss
from adapters.encoder_prompts import PromptBuilder
from adapters.exceptions import TrainingConfigError
from hyperword.encoder import EncoderConfig, EncoderError, HyperwordEncoder
from hyperword.encoder.folder import replace_folder

__all__ = ["Evaluator", "TrainResult", "lr_scale", "train_encoder"]

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
    qa, spans = _load_data(config)
    encoder, state = _build_encoder(config, model, tokenizer, out, qa, spans)
    encoder.train()
    optimizer = _optimizer(config, encoder)
    if state:
        optimizer.load_state_dict(state["optimizer"])
    start = state.get("step", 0)
    prompts = PromptBuilder(encoder, encoder.config.template, cache_size=config.feature_cache)
    draw = _BatchDrawer(config, qa, spans, tokenizer)
    log = _Log(config, out, evaluator, state.get("curve", []), _progress(start, config, progress))
    try:
        for step in range(start, config.steps):
            with log.clock:
                losses = _train_step(config, encoder, optimizer, prompts, draw(step), step)
            if log.after_step(step + 1, losses, encoder, optimizer):
                break
    except KeyboardInterrupt:
        logger.warning("interrupted: the last checkpoint in %s resumes this run", out)
        raise
    finally:
        log.bar.close()
    final = encoder.save_pretrained(out / FINAL_DIR)
    _write_curve(log.curve, out)
    return TrainResult(
        output_dir=out,
        encoder_dir=final,
        steps=log.curve[-1]["step"] if log.curve else start,
        resumed_from=start,
        seconds=time.perf_counter() - log.began,
        curve=log.curve,
    )


class _Log:
    """After each step: the progress bar, the curve, evaluations, checkpoints, the time budget."""

    def __init__(self, config: EncoderTrainingConfig, out: Path, evaluator, curve, bar):
        self.config, self.out, self.evaluator = config, out, evaluator
        self.curve, self.bar, self.window = curve, bar, []
        self.began, self.clock = time.perf_counter(), _Throughput(config.batch_size)

    def after_step(self, done: int, losses: dict[str, float], encoder, optimizer) -> bool:
        """Bookkeeping for step `done` (`losses`: the step's `loss` and, when distilling, its
        parts); True when the time budget is spent (stop here)."""
        config = self.config
        self.window.append(losses)
        self.bar.update(1)
        self.bar.set_postfix(loss=f"{losses['loss']:.3f}")
        out_of_time = config.max_minutes is not None and (
            time.perf_counter() - self.began > 60 * config.max_minutes
        )
        last = done == config.steps or out_of_time
        if done % config.log_every == 0 or last:
            self.curve.append(_point(done, self.window, self.began, self.clock))
            self.window = []
        if self.evaluator is not None and (done % config.eval_every == 0 or last):
            if not self.curve or self.curve[-1]["step"] != done:
                self.curve.append(_point(done, [], self.began, self.clock))
            _evaluate(encoder, self.evaluator, self.curve[-1])
        if done % config.save_every == 0 or last:
            _save_checkpoint(encoder, optimizer, done, self.curve, self.out)
        if out_of_time:
            logger.warning("stopped at step %d after %.1f minutes", done, config.max_minutes)
        return out_of_time


class _BatchDrawer:
    """The samples of a step: a function of the seed and the step alone (so resuming works).

    One level per batch: mixing plain passages with soft runs would pad every sample to the
    plain passage's length. The first `pretrain_steps` draw their objectives from
    `pretrain_objectives` (reconstruction first, as the anchors do).
    """

    def __init__(self, config: EncoderTrainingConfig, qa: QaPool, spans: list[str], tokenizer):
        self.config, self.qa, self.spans, self.tokenizer = config, qa, spans, tokenizer
        self.levels, self.level_weights = zip(*config.levels.items(), strict=True)
        self.soft_levels = [lv for lv in self.levels if lv != "text"] or ["scene"]

    def __call__(self, step: int) -> list[Sample]:
        config = self.config
        rng = random.Random(config.seed * 1_000_003 + step)
        mix = config.pretrain_objectives if step < config.pretrain_steps else config.objectives
        objectives, weights = zip(*mix.items(), strict=True)
        batch_level = rng.choices(self.levels, self.level_weights)[0]
        samples = []
        for _ in range(config.batch_size):
            objective = rng.choices(objectives, weights)[0]
            level = batch_level
            if level == "text" and objective != "qa":
                level = rng.choice(self.soft_levels)  # copying visible text teaches nothing
            samples.append(
                draw_sample(
                    rng,
                    level=level,
                    objective=objective,
                    qa=self.qa,
                    spans=self.spans,
                    tokenizer=self.tokenizer,
                    max_context_tokens=config.max_context_tokens,
                    max_target_tokens=config.max_target_tokens,
                )
            )
        return samples


def _train_step(
    config, encoder, optimizer, prompts: PromptBuilder, samples, step: int
) -> dict[str, float]:
    autocast = (
        torch.autocast(encoder.device.type, dtype=torch.bfloat16)
        if config.precision == "bf16"
        else nullcontext()
    )
    _set_lr(optimizer, config, step)
    with autocast:
        loss, parts = step_loss(encoder, prompts, samples, distill=config.distill)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(_trainable(encoder), 1.0)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    value = {"loss": loss.detach().item()}
    return {**value, **parts} if config.distill > 0 else value


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


def _load_data(config: EncoderTrainingConfig) -> tuple[QaPool, list[str]]:
    sources = {}
    if config.squad:
        train_articles, _ = split_articles(config.squad, config.heldout_articles)
        sources["squad"] = read_squad_items(train_articles)
    if config.nq:
        sources["nq"] = read_nq_items(config.nq)
    spans = read_text_spans(config.text_corpus) if config.text_corpus else []
    return QaPool(sources, config.qa_sources), spans


def _build_encoder(config: EncoderTrainingConfig, model, tokenizer, out: Path, qa: QaPool, spans):
    checkpoint = out / CHECKPOINT_DIR
    if checkpoint.is_dir():
        encoder = HyperwordEncoder.from_pretrained(
            checkpoint / "encoder", model=model, tokenizer=tokenizer, trainable=True
        )
        state = torch.load(checkpoint / STATE_FILE, map_location="cpu", weights_only=False)
        logger.info("resuming %s from step %d", out, state["step"])
        return encoder, state
    if config.init_from:
        encoder = HyperwordEncoder.from_pretrained(
            config.init_from, model=model, tokenizer=tokenizer, trainable=True
        )
        return _grown(encoder, config), {}
    torch.manual_seed(config.seed)  # projector and marker initialisation
    encoder_config = EncoderConfig(
        base_model=config.base_model,
        d_model=model.config.hidden_size,
        template=config.template,
        **config.encoder,
    )
    encoder = HyperwordEncoder(encoder_config, model, tokenizer)
    encoder.fit_feature_stats(_stat_spans(config, tokenizer, qa, spans))
    return encoder, {}


# What a trained encoder can grow, and how. Each addition starts as the identity, so the loaded
# weights keep their meaning until it trains; each add_* refuses what is not an addition.
_GROWTH = {
    "refiner_layers": lambda encoder, want: encoder.add_refiner(want),
    "attention_pooling": lambda encoder, want: encoder.add_attention_pooling(),
    "lora_targets": lambda encoder, want: encoder.add_lora_targets(want),
    "encoder_lora_r": lambda encoder, want: encoder.add_encoder_adapter(want),
}


def _grown(encoder: HyperwordEncoder, config: EncoderTrainingConfig) -> HyperwordEncoder:
    """`encoder` (loaded from `init_from`) with what `config.encoder` adds to it (`_GROWTH`:
    a refiner, attention pooling, more modules under the decoder adapter, an encoder
    adapter); any other option that differs from the folder's is refused, since the weights
    were trained for that value. The options are read by `EncoderConfig` itself (its
    normalising and checks). The prompt is the config's `template`: the decoder adapter goes
    on training in it."""
    if config.template != encoder.config.template:
        logger.info(
            "template %s (init_from was trained with %s)", config.template, encoder.config.template
        )
        encoder.config.template = config.template
    wanted = replace(encoder.config, **config.encoder)
    for option in fields(wanted):
        want, have = getattr(wanted, option.name), getattr(encoder.config, option.name)
        if want == have:
            continue
        refused = (
            f"encoder option {option.name}={want!r} differs from init_from {config.init_from} "
            f"({have!r}); a trained encoder can only grow: {', '.join(_GROWTH)} (more lora_targets)"
        )
        if option.name not in _GROWTH:
            raise TrainingConfigError(refused)
        try:
            _GROWTH[option.name](encoder, want)
        except EncoderError as error:  # not an addition (fewer layers, targets dropped, ...)
            raise TrainingConfigError(f"{refused}: {error}") from None
        logger.info("%s: %r (init_from %s has %r)", option.name, want, config.init_from, have)
    return encoder


def _stat_spans(config: EncoderTrainingConfig, tokenizer, qa: QaPool, spans) -> list[list[int]]:
    """Up to 32 training contexts, drawn with the run's seed, for the feature statistics."""
    texts = sorted({item.context for item in qa.items}) + list(spans)
    if not texts:  # invented passages only
        rng = random.Random(config.seed)
        texts = [qa.draw(rng).context for _ in range(32)]
    chosen = random.Random(config.seed).sample(texts, min(32, len(texts)))
    ids = [tokenizer(text, add_special_tokens=False).input_ids for text in chosen]
    return [i[: config.max_context_tokens] for i in ids if i]


def _trainable(encoder: HyperwordEncoder) -> list[torch.nn.Parameter]:
    return [p for p in encoder.parameters() if p.requires_grad]


def _optimizer(config: EncoderTrainingConfig, encoder: HyperwordEncoder):
    own = list(encoder.projectors.parameters()) + list(encoder.markers.values())
    # The decoder adapter and, when there is one, the encoder adapter learn at lr_lora.
    own_ids = {id(p) for p in own}
    lora = [p for p in encoder.model.parameters() if p.requires_grad and id(p) not in own_ids]
    return torch.optim.AdamW(
        [
            {"params": own, "lr": config.lr_projector, "base_lr": config.lr_projector},
            {"params": lora, "lr": config.lr_lora, "base_lr": config.lr_lora},
        ],
        weight_decay=config.weight_decay,
    )


def lr_scale(config: EncoderTrainingConfig, step: int) -> float:
    """The learning rates' factor at `step` (0-based): linear warm-up over `warmup_steps`,
    constant, then linear down to 0 over the last `decay_steps` (warmup-stable-decay)."""
    scale = min(1.0, (step + 1) / max(1, config.warmup_steps))
    if config.decay_steps:
        scale = min(scale, (config.steps - step) / config.decay_steps)
    return scale


def _set_lr(optimizer, config: EncoderTrainingConfig, step: int) -> None:
    scale = lr_scale(config, step)
    for group in optimizer.param_groups:
        group["lr"] = group["base_lr"] * scale


class _Throughput:
    """Training samples per second of this process, steps only (evaluation and saving out):
    the mean over every step, and at the median step (robust to a step slowed by another job
    or a paused process)."""

    def __init__(self, batch_size: int):
        self.batch_size, self.steps, self.seconds = batch_size, 0, 0.0
        self.durations: list[float] = []

    def __enter__(self):
        self._began = time.perf_counter()

    def __exit__(self, *exc) -> None:
        took = time.perf_counter() - self._began
        self.seconds += took
        self.durations.append(took)
        self.steps += 1

    @property
    def samples_per_second(self) -> float:
        return self.batch_size * self.steps / max(self.seconds, 1e-9)

    @property
    def median_samples_per_second(self) -> float:
        return self.batch_size / max(statistics.median(self.durations or [0.0]), 1e-9)


def _point(step: int, losses: list[dict[str, float]], began: float, clock: _Throughput) -> dict:
    """A curve point: time, throughput, and the mean of each loss over the steps that have it
    (`loss`; with `distill`, `loss_cross_entropy` and `loss_distillation` too)."""
    point = {"step": step, "seconds": round(time.perf_counter() - began, 1)}
    point["samples_per_second"] = round(clock.samples_per_second, 3)
    if clock.durations:
        point["samples_per_second_median"] = round(clock.median_samples_per_second, 3)
    for key in dict.fromkeys(k for step_losses in losses for k in step_losses):
        values = [step_losses[key] for step_losses in losses if key in step_losses]
        point[key] = round(sum(values) / len(values), 4)
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


def _progress(start: int, config: EncoderTrainingConfig, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=config.steps, initial=start, disable=not enabled, desc="train", unit="step")
