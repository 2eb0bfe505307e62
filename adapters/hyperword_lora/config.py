"""`HyperwordLoraConfig`: the training settings of a hyperword-reading adapter."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from adapters.exceptions import TrainingConfigError
from hyperword.config_io import config_from_dict as load_dataclass
from hyperword.encoder.config import ATTENTION_PROJECTIONS

__all__ = ["HyperwordLoraConfig", "TrainingLog", "config_from_dict"]


@dataclass
class HyperwordLoraConfig:
    """Training settings of a hyperword-reading adapter."""

    rank: int = field(default=16, metadata={"help": "LoRA rank."})
    alpha: int = field(default=32, metadata={"help": "LoRA alpha."})
    target_modules: tuple[str, ...] = field(
        default=ATTENTION_PROJECTIONS,
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


def config_from_dict(data: dict[str, Any]) -> HyperwordLoraConfig:
    """A config from a saved `training` record; unknown keys are dropped with a warning."""
    return load_dataclass(
        HyperwordLoraConfig, data, source="the training record", error=TrainingConfigError
    )
