"""Memory measurements for the answer report: peak memory of a block and analytic KV bytes."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import torch

__all__ = ["PeakMemory", "kv_cache_bytes"]


class PeakMemory:
    """Peak memory of a block: CUDA `max_memory_allocated`, else the resident-set high-water mark.

    On Linux the RSS high-water mark is reset when the block starts (`/proc/self/clear_refs`),
    so the number is this block's peak (weights included), not the process's; where that is
    not permitted it is the process peak so far (`reset` says which).
    """

    def __init__(self, device: torch.device | str):
        self.device = torch.device(device)
        self.peak_bytes = 0
        self.reset = False

    def __enter__(self) -> PeakMemory:
        if self.device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(self.device)
            self.reset = True
        else:
            try:
                Path("/proc/self/clear_refs").write_text("5")
                self.reset = True
            except OSError:
                self.reset = False
        return self

    def __exit__(self, *exc: object) -> None:
        if self.device.type == "cuda":
            self.peak_bytes = int(torch.cuda.max_memory_allocated(self.device))
        else:
            self.peak_bytes = _rss_peak_bytes()


def _rss_peak_bytes() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


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
