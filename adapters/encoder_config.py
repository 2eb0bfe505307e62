"""`EncoderTrainingConfig`: one JSON/YAML file describes an encoder training run."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from adapters.exceptions import TrainingConfigError
from hyperword.config_io import config_from_dict, mistyped_field
from hyperword.encoder.base import SOFT_LEVELS
from hyperword.encoder.config import EncoderConfig
from hyperword.exceptions import UnknownNameError
from hyperword.prompts import get_template

__all__ = ["CONTEXT_LEVELS", "OBJECTIVES", "QA_SOURCES", "EncoderTrainingConfig"]

CONTEXT_LEVELS = (*SOFT_LEVELS, "text")
OBJECTIVES = ("qa", "autoencode", "continuation")
QA_SOURCES = ("squad", "nq", "invented")
# EncoderConfig options a run fills in itself, and from where
SET_BY_RUN = {
    "base_model": "give the top-level 'base_model'",
    "template": "give the top-level 'template'",
    "d_model": "the base model's hidden size",
    "base_fingerprint": "read from the base model",
}


@dataclass
class EncoderTrainingConfig:
    """A training run: data, mixture of levels and objectives, optimisation, checkpoints.

    `text` in `levels` trains the same decoder adapter on plain passages too, so that `full`
    through the tuned decoder is a fair comparison for the compressed levels.
    """

    output_dir: str = field(metadata={"help": "checkpoints, curve and the final encoder"})
    squad: str | None = field(default=None, metadata={"help": "SQuAD v1.1 JSON (QA, spans)"})
    text_corpus: str | None = field(
        default=None, metadata={"help": "plain text (WikiText raw) for autoencode/continuation"}
    )
    nq: str | None = field(
        default=None, metadata={"help": "NQ-open jsonl with gold passages (more QA items)"}
    )
    heldout_articles: int = field(default=4, metadata={"help": "last SQuAD articles kept out"})
    base_model: str = "gemma-3-270m"
    encoder: dict[str, Any] = field(
        default_factory=dict, metadata={"help": "EncoderConfig overrides"}
    )
    init_from: str | None = field(
        default=None,
        metadata={
            "help": "encoder folder to start from (its weights; a fresh optimizer); `encoder` "
            "must match its options, except what grows it: refiner_layers, attention_pooling, "
            "more lora_targets"
        },
    )
    template: str = field(
        default="qa-bare",
        metadata={
            "help": "prompt the decoder adapter is trained with (with init_from too: the "
            "adapter then learns this prompt)"
        },
    )
    levels: dict[str, float] = field(
        default_factory=lambda: {"scene": 0.45, "concept": 0.35, "text": 0.2}
    )
    objectives: dict[str, float] = field(
        default_factory=lambda: {"qa": 0.85, "autoencode": 0.1, "continuation": 0.05}
    )
    qa_sources: dict[str, float] | None = field(
        default=None,
        metadata={
            "help": f"weights of the QA sources {QA_SOURCES} ('invented': generated passages "
            "of invented facts); None: every SQuAD/NQ question equally likely"
        },
    )
    pretrain_steps: int = field(
        default=0,
        metadata={"help": "first steps drawn from `pretrain_objectives` (reconstruction first)"},
    )
    pretrain_objectives: dict[str, float] = field(
        default_factory=lambda: {"autoencode": 0.6, "continuation": 0.4}
    )
    feature_cache: int = field(
        default=8000, metadata={"help": "spans whose frozen features are kept in memory"}
    )
    max_context_tokens: int = 256
    max_target_tokens: int = 32
    steps: int = 500
    batch_size: int = 4
    lr_projector: float = 1e-3
    lr_lora: float = 3e-4
    warmup_steps: int = 20
    decay_steps: int = field(
        default=0,
        metadata={
            "help": "the last N of `steps` scale the learning rates linearly down to 0 "
            "(a cool-down; 0: constant after warm-up)"
        },
    )
    weight_decay: float = 0.0
    distill: float = field(
        default=0.0,
        metadata={
            "help": "weight in [0, 1] of self-distillation: on qa and continuation samples at a "
            "soft level, the KL divergence to the same decoder's next-token distributions "
            "with the context as text (no gradient through those); the cross-entropy on the "
            "targets keeps 1 - distill. 0: off"
        },
    )
    log_every: int = 10
    save_every: int = 50
    eval_every: int = 100
    eval_questions: int = 40
    seed: int = 0
    device: str | None = None
    precision: str = field(default="fp32", metadata={"help": "fp32, or bf16 autocast"})
    threads: int | None = None
    max_minutes: float | None = field(
        default=None,
        metadata={"help": "stop (checkpoint and encoder saved) at the first step past this"},
    )

    def __post_init__(self) -> None:
        _check_weights("levels", self.levels, CONTEXT_LEVELS)
        _check_weights("objectives", self.objectives, OBJECTIVES)
        _check_weights("pretrain_objectives", self.pretrain_objectives, OBJECTIVES)
        if self.qa_sources is not None:
            _check_weights("qa_sources", self.qa_sources, QA_SOURCES)
            for source in ("squad", "nq"):
                if self.qa_sources.get(source, 0) > 0 and not getattr(self, source):
                    raise TrainingConfigError(f"qa_sources weighs '{source}' but gives no data")
        unknown = sorted(set(self.encoder) - {option.name for option in fields(EncoderConfig)})
        if unknown:
            raise TrainingConfigError(f"'encoder' has options EncoderConfig lacks: {unknown}")
        mistyped = mistyped_field(EncoderConfig, self.encoder)
        if mistyped:
            raise TrainingConfigError(f"'encoder' option '{mistyped[0]}' {mistyped[1]}")
        taken = sorted(set(self.encoder) & set(SET_BY_RUN))
        if taken:
            where = "; ".join(f"{name}: {SET_BY_RUN[name]}" for name in taken)
            raise TrainingConfigError(f"'encoder' sets what the run sets itself ({where})")
        try:
            get_template(self.template)
        except UnknownNameError as error:  # the registry's own message names the choices
            raise TrainingConfigError(str(error)) from None
        if self.pretrain_steps < 0 or self.feature_cache < 0:
            raise TrainingConfigError("'pretrain_steps' and 'feature_cache' must be >= 0")
        if not 0 <= self.decay_steps <= self.steps:
            raise TrainingConfigError(
                f"'decay_steps' ({self.decay_steps}) must be between 0 and 'steps' ({self.steps})"
            )
        invented = (self.qa_sources or {}).get("invented", 0) > 0
        if not (self.squad or self.nq or self.text_corpus or invented):
            raise TrainingConfigError(
                "give 'squad', 'nq', 'text_corpus' and/or invented qa_sources as training data"
            )
        if self.objectives.get("qa", 0) > 0 and not (self.squad or self.nq or invented):
            raise TrainingConfigError(
                "the 'qa' objective needs 'squad' or 'nq' data, or invented qa_sources"
            )
        if not 0 <= self.distill <= 1:
            raise TrainingConfigError(f"'distill' must be in [0, 1], got {self.distill}")
        if self.precision not in ("fp32", "bf16"):
            raise TrainingConfigError(f"precision '{self.precision}': choose fp32 or bf16")
        for name in ("steps", "batch_size", "max_context_tokens", "max_target_tokens"):
            if getattr(self, name) < 1:
                raise TrainingConfigError(f"'{name}' must be positive")
        for name in ("log_every", "save_every", "eval_every"):
            if getattr(self, name) < 1:
                raise TrainingConfigError(f"'{name}' must be positive")

    @classmethod
    def from_file(cls, path: str | Path) -> EncoderTrainingConfig:
        """Read a `.json` or `.yaml`/`.yml` config; unknown keys are dropped with a warning."""
        from hyperword.text_files import TextFileError, read_text

        path = Path(path)
        if not path.is_file():
            raise TrainingConfigError(f"config file {path} does not exist")
        try:
            text = read_text(path, max_chars=1_000_000)  # the reading rule (docs/store.md)
        except (OSError, TextFileError) as error:
            raise TrainingConfigError(f"cannot read config {path}: {error}") from None
        try:
            if path.suffix in (".yaml", ".yml"):
                import yaml

                data = yaml.safe_load(text)
            else:
                data = json.loads(text)
        except Exception as error:  # json and yaml raise different types (RecursionError too)
            raise TrainingConfigError(f"cannot parse {path}: {error}") from None
        if not isinstance(data, dict):
            raise TrainingConfigError(f"{path} must hold a mapping of settings")
        return cls.from_dict(data, source=str(path))

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "config") -> EncoderTrainingConfig:
        if "output_dir" not in data:
            raise TrainingConfigError(f"{source}: 'output_dir' is required")
        return config_from_dict(cls, data, source=source, error=TrainingConfigError)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def resume_key(self) -> dict[str, Any]:
        """Settings a checkpoint must share to be resumed (steps, the cool-down and logging
        may change: a finished run can be extended, or cooled down from its checkpoint)."""
        keep = {"steps", "decay_steps", "log_every", "save_every", "eval_every", "eval_questions"}
        keep |= {"threads", "device", "output_dir", "feature_cache", "max_minutes"}
        # As saved and read back: a tuple and the list JSON makes of it are the same setting.
        return json.loads(json.dumps({k: v for k, v in self.to_dict().items() if k not in keep}))


def _check_weights(name: str, weights: dict[str, float], allowed: tuple[str, ...]) -> None:
    if not isinstance(weights, dict) or not weights:
        raise TrainingConfigError(f"'{name}' must map some of {allowed} to weights")
    bad = [k for k in weights if k not in allowed]
    if bad:
        raise TrainingConfigError(f"'{name}' has unknown keys {bad}; choose from {allowed}")
    if any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
        raise TrainingConfigError(f"'{name}' weights must be >= 0 with a positive sum")
