"""VRAM planner: weights + KV cache + activations of a prefill, from a model's config.json."""

from __future__ import annotations

from eval.vram.planner import (
    CARDS_GB,
    LEVEL_RATIOS,
    CardFit,
    ModelShape,
    VramEstimate,
    config_aliases,
    count_parameters,
    estimate_vram,
    kv_cache_bytes,
    load_model_shape,
    model_shape_from_config,
)

__all__ = [
    "CARDS_GB",
    "LEVEL_RATIOS",
    "CardFit",
    "ModelShape",
    "VramEstimate",
    "config_aliases",
    "count_parameters",
    "estimate_vram",
    "kv_cache_bytes",
    "load_model_shape",
    "model_shape_from_config",
]
