"""A LoRA adapter (and optionally a composer) that teaches the base model to read hyperwords.

Objective: text is cut into windows of `context_tokens` base tokens followed by
`continuation_tokens` base tokens. The context is fed as hyper-embeddings (one input vector per
hyperword, `HyperwordTokenizer.embed`), the continuation as plain tokens, and the loss is the
next-token cross-entropy on the continuation only: the model must read the hyperword context
to predict plain text after it. The same windows measure perplexity (`continuation_nll`) with
the context fed plain, as hyperwords, or not at all, so the numbers are comparable.

Logits are computed only at the continuation positions (`logits_to_keep`): with Gemma's
262,144-entry vocabulary, logits at every position would cost more than the layers.

An adapter folder holds `config.json` (sorted keys, toolkit version, the tokenizer's
fingerprint), `lora/` (the peft adapter) and, when trained, `composer/`.
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

from adapters.exceptions import TrainingConfigError
from hyperword.config_io import config_from_dict as load_dataclass

__all__ = [
    "CONTEXT_MODES",
    "HyperwordLoraConfig",
    "TrainingLog",
    "Window",
    "continuation_nll",
    "load_hyperword_adapter",
    "make_windows",
    "qa_windows",
    "resolve_adapter_folder",
    "save_hyperword_adapter",
    "train_hyperword_lora",
    "window_embeds",
]

logger = logging.getLogger(__name__)

CONTEXT_MODES = ("plain", "hyperword", "none")
ADAPTER_CONFIG = "config.json"
LORA_DIR = "lora"
COMPOSER_DIR = "composer"
SHIPPED_ADAPTERS = Path(__file__).resolve().parent.parent / "hyperword" / "data" / "adapters"


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


@dataclass
class HyperwordLoraConfig:
    """Training settings of a hyperword-reading adapter."""

    rank: int = field(default=16, metadata={"help": "LoRA rank."})
    alpha: int = field(default=32, metadata={"help": "LoRA alpha."})
    target_modules: tuple[str, ...] = field(
        default=("q_proj", "k_proj", "v_proj", "o_proj"),
        metadata={"help": "Modules that get LoRA (attention projections)."},
    )
    composer: str = field(
        default="mean", metadata={"help": "`mean` (fixed) or `learned` (a HyperwordComposer)."}
    )
    composer_rank: int = field(default=8, metadata={"help": "Rank of the composer correction."})
    learning_rate: float = field(default=5e-4, metadata={"help": "AdamW learning rate (LoRA)."})
    composer_learning_rate: float = field(default=2e-3, metadata={"help": "Composer lr."})
    steps: int = field(default=200, metadata={"help": "Optimizer steps (one window each)."})
    max_minutes: float = field(default=20.0, metadata={"help": "Stop early after this long."})
    warmup_steps: int = field(default=10, metadata={"help": "Linear warm-up steps."})
    context_tokens: int = field(default=256, metadata={"help": "Base tokens of context."})
    continuation_tokens: int = field(default=64, metadata={"help": "Base tokens predicted."})
    seed: int = field(default=0, metadata={"help": "Shuffling and init seed."})

    def __post_init__(self) -> None:
        self.target_modules = tuple(self.target_modules)
        if self.composer not in ("mean", "learned"):
            raise TrainingConfigError(
                f"composer must be 'mean' or 'learned', got {self.composer!r}"
            )
        for name in ("rank", "alpha", "steps", "context_tokens", "continuation_tokens"):
            if getattr(self, name) < 1:
                raise TrainingConfigError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.learning_rate <= 0 or self.max_minutes <= 0:
            raise TrainingConfigError("learning_rate and max_minutes must be > 0")


@dataclass
class TrainingLog:
    """What a training run did: losses per step (mean NLL per continuation token)."""

    steps: int = 0
    seconds: float = 0.0
    losses: list[float] = field(default_factory=list)

    def mean_loss(self, last: int = 20) -> float:
        tail = self.losses[-last:]
        return sum(tail) / len(tail) if tail else math.nan


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
    from peft import LoraConfig, get_peft_model
    from tqdm.auto import tqdm

    from hyperword.tokenizer.composer import ComposerConfig, HyperwordComposer

    if not windows:
        raise TrainingConfigError("no training windows: give more text or shorter windows")
    torch.manual_seed(config.seed)
    lora = LoraConfig(
        r=config.rank,
        lora_alpha=config.alpha,
        lora_dropout=0.0,
        target_modules=list(config.target_modules),
        task_type="CAUSAL_LM",
    )
    peft_model = get_peft_model(model, lora)
    peft_model.train()
    groups = [
        {
            "params": [p for p in peft_model.parameters() if p.requires_grad],
            "lr": config.learning_rate,
        }
    ]
    composer = None
    if config.composer == "learned":
        d_model = model.get_input_embeddings().weight.shape[1]
        composer = HyperwordComposer(
            ComposerConfig(
                d_model=d_model,
                rank=config.composer_rank,
                base_name=str(getattr(model, "name_or_path", "")),
            )
        ).to(model.device)
        groups.append({"params": list(composer.parameters()), "lr": config.composer_learning_rate})
    optimizer = torch.optim.AdamW(groups, weight_decay=0.0)
    base_lrs = [g["lr"] for g in optimizer.param_groups]
    order = list(range(len(windows)))
    random.Random(config.seed).shuffle(order)
    log, start = TrainingLog(), time.perf_counter()
    bar = tqdm(total=config.steps, disable=not progress, desc="hyperword-lora", unit="step")
    for step in range(config.steps):
        if time.perf_counter() - start > 60 * config.max_minutes:
            logger.info("stopping after %.1f minutes (max_minutes)", config.max_minutes)
            break
        scale = min(1.0, (step + 1) / max(config.warmup_steps, 1))
        scale *= 0.5 * (1 + math.cos(math.pi * step / config.steps))  # cosine decay
        for group, lr in zip(optimizer.param_groups, base_lrs, strict=True):
            group["lr"] = lr * scale
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


def save_hyperword_adapter(
    folder: str | Path,
    peft_model: Any,
    composer: Any,
    config: HyperwordLoraConfig,
    *,
    tokenizer: Any,
    log: TrainingLog | None = None,
    data: dict[str, Any] | None = None,
) -> Path:
    """Write `config.json`, `lora/` and (when given) `composer/` into `folder`.

    `data` is recorded as is (what the windows were made of, e.g. the command's options).
    """
    from hyperword import __version__

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    peft_model.save_pretrained(str(folder / LORA_DIR), save_embedding_layers=False)
    _store_as_bfloat16(folder / LORA_DIR / "adapter_model.safetensors")
    if composer is not None:
        composer.save_pretrained(folder / COMPOSER_DIR)
    record = {
        "kind": "hyperword-lora",
        "training": asdict(config),
        "base_model": str(getattr(peft_model.get_base_model(), "name_or_path", "")),
        "tokenizer_fingerprint": tokenizer.fingerprint,
        "tokenizer_base": tokenizer.config.base_name,
        "num_hyperwords": tokenizer.num_hyperwords,
        "steps": log.steps if log else None,
        "final_loss": round(log.mean_loss(), 4) if log else None,
        "data": data or {},
        "hyperword_version": __version__,
    }
    (folder / ADAPTER_CONFIG).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    for item in folder.rglob("*"):  # safetensors writes owner-only files; others must read them
        item.chmod(0o755 if item.is_dir() else 0o644)
    return folder


def _store_as_bfloat16(path: Path) -> None:
    """Rewrite a safetensors file in bfloat16 (half the size; loading casts back)."""
    from safetensors.torch import load_file, save_file

    tensors = load_file(str(path))
    save_file({k: v.to(torch.bfloat16).contiguous() for k, v in tensors.items()}, str(path))


def resolve_adapter_folder(name_or_path: str | Path) -> Path:
    """An adapter folder: `name_or_path` itself, or `"default"` / a base model alias for the
    adapter shipped in `hyperword/data/adapters/<alias>-hyperword-lora/`."""
    path = Path(name_or_path)
    if path.is_dir():
        return path
    alias = "gemma-3-270m" if str(name_or_path) == "default" else str(name_or_path)
    shipped = SHIPPED_ADAPTERS / f"{alias}-hyperword-lora"
    if (shipped / ADAPTER_CONFIG).is_file():
        return shipped
    raise TrainingConfigError(
        f"no hyperword adapter at {name_or_path} (and none shipped for '{alias}'); train one "
        f"with `python -m eval.bench_hyperword_model --train-adapter DIR`"
    )


def load_hyperword_adapter(
    model: Any, folder: str | Path, *, tokenizer: Any = None, merge: bool = True
) -> tuple[Any, Any]:
    """Apply a saved adapter to `model` (in place) and load its composer.

    Args:
        model: The base model it was trained on.
        folder: A folder written by `save_hyperword_adapter`, or `"default"` (the shipped one).
        tokenizer: When given, its fingerprint must match the one the adapter was trained
            with (a warning otherwise: the adapter may still help, but was not measured so).
        merge: Merge the LoRA weights into the model (faster inference; returns the base
            model class) instead of keeping a peft wrapper.

    Returns:
        `(model, composer or None)`.
    """
    from peft import PeftModel

    from hyperword.tokenizer.composer import HyperwordComposer

    folder = resolve_adapter_folder(folder)
    try:
        record = json.loads((folder / ADAPTER_CONFIG).read_text())
    except (OSError, ValueError) as error:
        raise TrainingConfigError(f"{folder} is not a hyperword adapter folder: {error}") from error
    if tokenizer is not None and record.get("tokenizer_fingerprint") != tokenizer.fingerprint:
        logger.warning(
            "adapter %s was trained with another hyperword tokenizer (%s hyperwords)",
            folder,
            record.get("num_hyperwords"),
        )
    wrapped = PeftModel.from_pretrained(model, str(folder / LORA_DIR))
    wrapped.eval()
    if merge:
        wrapped = wrapped.merge_and_unload()
    composer = None
    if (folder / COMPOSER_DIR).is_dir():
        composer = HyperwordComposer.from_pretrained(folder / COMPOSER_DIR).to(model.device)
    return wrapped, composer


def config_from_dict(data: dict[str, Any]) -> HyperwordLoraConfig:
    """A config from a saved `training` record; unknown keys are dropped with a warning."""
    return load_dataclass(HyperwordLoraConfig, data, source="the training record")
