"""Memory measurements for the answer report: peak memory of a block and analytic KV bytes."""

from __future__ import annotations

import math
from typing import Any

from hyperword.memory import PeakMemory

__all__ = ["PeakMemory", "kv_cache_bytes"]


def kv_cache_bytes(config: Any, tokens: int, *, bytes_per_value: float) -> int:
    """Analytic bytes of the KV cache after `tokens` positions, for a HF model config.

    `2 (k and v) * kv_heads * head_dim * bytes_per_value` per cached position, summed over
    layers: `tokens` for full attention, `min(tokens, window - 1)` for a sliding-window layer
    (`layer_types` + `sliding_window`; transformers keeps `window - 1` past positions).
    """
    config = getattr(config, "text_config", None) or config
    layers = int(config.num_hidden_layers)
    heads = int(config.num_attention_heads)
    kv_heads = int(getattr(config, "num_key_value_heads", None) or heads)
    head_dim = int(getattr(config, "head_dim", None) or config.hidden_size // heads)
    window = getattr(config, "sliding_window", None)
    types = getattr(config, "layer_types", None) or ["full_attention"] * layers
    cached = sum(
        min(tokens, window - 1) if kind == "sliding_attention" and window else tokens
        for kind in types
    )
    return math.ceil(2 * kv_heads * head_dim * cached * bytes_per_value)
