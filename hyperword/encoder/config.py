"""`EncoderConfig`: what an encoder folder's `config.json` records, validated on load."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from hyperword.config_io import config_from_dict, read_json, save_config
from hyperword.encoder.base import LEVEL_RATIOS
from hyperword.encoder.exceptions import CheckpointError, EncoderError

__all__ = ["ATTENTION_PROJECTIONS", "FEATURE_KINDS", "MLP_PROJECTIONS", "EncoderConfig"]

FEATURE_KINDS = ("hidden", "embedding")
# LoRA target names of a decoder layer's linear maps (Gemma, Llama, SmolLM2 alike).
ATTENTION_PROJECTIONS = ("q_proj", "k_proj", "v_proj", "o_proj")
MLP_PROJECTIONS = ("gate_proj", "up_proj", "down_proj")


@dataclass
class EncoderConfig:
    """Architecture of a soft-token encoder: features, pooling, projector(s) and adapters.

    A span's base tokens go through the base model (frozen, adapter off; or with a trainable
    encoder adapter when `encoder_lora_r > 0`); each window of about `ratio` tokens is
    mean-pooled from the chosen features and projected into the input embedding space by the
    projector (one per level, or one shared by every level with `shared_projector`). Each
    level has its own begin/end marker rows, so one encoder serves several ratios.
    """

    base_model: str = field(
        default="gemma-3-270m", metadata={"help": "alias or path of the base model"}
    )
    d_model: int = field(default=640, metadata={"help": "the base model's hidden size"})
    features: tuple[str, ...] = field(
        default=("hidden", "embedding"),
        metadata={"help": f"pooled features fed to the projector, from {FEATURE_KINDS}"},
    )
    feature_layer: int = field(
        default=12,
        metadata={"help": "hidden_states index used as the 'hidden' feature (-1: the last)"},
    )
    projector_hidden: int = field(default=640, metadata={"help": "projector MLP width"})
    residual: bool = field(
        default=True,
        metadata={
            "help": "soft token = the window's mean input embedding + the projector's output, "
            "so the decoder reads something from step 0 (needs 'embedding' in features)"
        },
    )
    levels: tuple[str, ...] = field(
        default=("scene", "concept"), metadata={"help": f"levels served, from {LEVEL_RATIOS}"}
    )
    shared_projector: bool = field(
        default=False, metadata={"help": "one projector for every level (ratio), not one each"}
    )
    refiner_layers: int = field(
        default=0,
        metadata={
            "help": "bidirectional transformer layers reading the features before pooling; "
            "their output is added to the features and starts at zero"
        },
    )
    attention_pooling: bool = field(
        default=False,
        metadata={
            "help": "pool each window by a learned score per token (softmax within the "
            "window) instead of the mean; the score starts at zero"
        },
    )
    encoder_lora_r: int = field(
        default=0,
        metadata={"help": "rank of a trainable encoder adapter reading the span (0: frozen)"},
    )
    max_span_tokens: int = field(
        default=512, metadata={"help": "longest span the encoder accepts, in base tokens"}
    )
    lora_r: int = field(default=16)
    lora_alpha: int = field(default=32)
    lora_targets: tuple[str, ...] = field(default=ATTENTION_PROJECTIONS)
    template: str = field(
        default="qa-bare", metadata={"help": "prompt template the decoder was trained with"}
    )
    version: str = field(default="1", metadata={"help": "bumped when the weights change"})
    base_fingerprint: dict = field(
        default_factory=dict,
        metadata={"help": "hidden size, layers and vocabulary of the base model it was built on"},
    )

    def __post_init__(self) -> None:
        self.features = tuple(self.features)
        self.levels = tuple(self.levels)
        self.lora_targets = tuple(self.lora_targets)
        bad = [f for f in self.features if f not in FEATURE_KINDS]
        if not self.features or bad:
            raise EncoderError(f"features {list(self.features)}: choose from {FEATURE_KINDS}")
        unknown = [level for level in self.levels if level not in LEVEL_RATIOS]
        if not self.levels or unknown:
            raise EncoderError(f"levels {list(self.levels)}: choose from {tuple(LEVEL_RATIOS)}")
        if self.residual and "embedding" not in self.features:
            raise EncoderError("residual soft tokens need 'embedding' in features")
        if self.max_span_tokens < 1 or self.d_model < 1 or self.lora_r < 1:
            raise EncoderError("max_span_tokens, d_model and lora_r must be positive")
        if self.refiner_layers < 0 or self.encoder_lora_r < 0:
            raise EncoderError("refiner_layers and encoder_lora_r must be >= 0")
        if self.encoder_lora_r and "hidden" not in self.features:
            raise EncoderError("an encoder adapter needs the 'hidden' feature to train")

    @property
    def feature_dim(self) -> int:
        return self.d_model * len(self.features)

    def save(self, path: Path) -> None:
        save_config(self, path)

    @classmethod
    def load(cls, path: Path) -> EncoderConfig:
        data = read_json(path, error=CheckpointError, what="encoder config")
        # Folders written before an option existed were built without it.
        for key in ("residual", "shared_projector"):
            data.setdefault(key, False)
        return config_from_dict(cls, data, source=str(path), error=CheckpointError)
