"""A LoRA adapter (and optionally a composer) that teaches the base model to read hyperwords.

One concept per module: `windows` (the training data and the loss), `config` (the
settings), `training` (the loop), `adapter` (`HyperwordAdapter`: save_pretrained /
from_pretrained).
"""

from __future__ import annotations

from adapters.hyperword_lora.adapter import (
    ADAPTER_CONFIG,
    SHIPPED_ADAPTERS,
    HyperwordAdapter,
    load_hyperword_adapter,
    resolve_adapter_folder,
    save_hyperword_adapter,
)
from adapters.hyperword_lora.config import HyperwordLoraConfig, TrainingLog, config_from_dict
from adapters.hyperword_lora.training import train_hyperword_lora
from adapters.hyperword_lora.windows import (
    CONTEXT_MODES,
    Window,
    continuation_nll,
    make_windows,
    qa_windows,
    window_embeds,
)

__all__ = [
    "ADAPTER_CONFIG",
    "CONTEXT_MODES",
    "SHIPPED_ADAPTERS",
    "HyperwordAdapter",
    "HyperwordLoraConfig",
    "TrainingLog",
    "Window",
    "config_from_dict",
    "continuation_nll",
    "load_hyperword_adapter",
    "make_windows",
    "qa_windows",
    "resolve_adapter_folder",
    "save_hyperword_adapter",
    "train_hyperword_lora",
    "window_embeds",
]
