"""Memory, measured and computed: the peak of a block, and the KV cache's analytic size.

Shared by the orchestrator's answer report, the eval harness and the VRAM planner.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

__all__ = ["PeakMemory", "attention_layout", "kv_cache_bytes", "model_kv_cache_bytes"]


def kv_cache_bytes(
    layer_windows: Sequence[int | None],
    *,
    kv_heads: int,
    head_dim: int,
    tokens: int,
    batch: int = 1,
    bytes_per_value: float = 2,
) -> int:
    """Bytes of the KV cache after `tokens` positions (the one formula of the toolkit).

    `2 (k and v) * kv_heads * head_dim * batch * bytes_per_value`, summed over layers of the
    cached positions: `tokens` for a full-attention layer (window None), `min(tokens,
    window - 1)` for a sliding-window layer (transformers' dynamic cache keeps `window - 1`
    past positions; the next token makes the window full).
    """
    cached = sum(tokens if window is None else min(tokens, window - 1) for window in layer_windows)
    return math.ceil(2 * kv_heads * head_dim * cached * batch * bytes_per_value)


def attention_layout(config: Any) -> tuple[tuple[int | None, ...], int, int]:
    """`(layer_windows, kv_heads, head_dim)` of a loaded model's HF config.

    Multimodal configs use their `text_config`; windows come from `layer_types` +
    `sliding_window` (every layer full attention when absent).
    """
    config = getattr(config, "text_config", None) or config
    layers = int(config.num_hidden_layers)
    heads = int(config.num_attention_heads)
    kv_heads = int(getattr(config, "num_key_value_heads", None) or heads)
    head_dim = int(getattr(config, "head_dim", None) or config.hidden_size // heads)
    window = getattr(config, "sliding_window", None)
    types = getattr(config, "layer_types", None) or ["full_attention"] * layers
    windows = tuple(window if kind == "sliding_attention" and window else None for kind in types)
    return windows, kv_heads, head_dim


def model_kv_cache_bytes(config: Any, tokens: int, *, bytes_per_value: float) -> int:
    """`kv_cache_bytes` for a loaded model's HF config (see `attention_layout`)."""
    windows, kv_heads, head_dim = attention_layout(config)
    return kv_cache_bytes(
        windows,
        kv_heads=kv_heads,
        head_dim=head_dim,
        tokens=tokens,
        bytes_per_value=bytes_per_value,
    )


class PeakMemory:
    """Peak memory of a block: CUDA `max_memory_allocated`, else the resident-set high-water mark.

    On Linux the RSS high-water mark is reset per block (`/proc/self/clear_refs`, value 5), so
    the number is the peak of this block, not of the whole process; where that is not
    permitted it is the process peak so far (`reset` says which).
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
            self.reset = _reset_rss_peak()
        return self

    def __exit__(self, *exc) -> None:
        if self.device.type == "cuda":
            self.peak_bytes = int(torch.cuda.max_memory_allocated(self.device))
        else:
            self.peak_bytes = _rss_peak_bytes()


def _reset_rss_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _rss_peak_bytes() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024
