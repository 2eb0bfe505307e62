"""Analytic GPU-memory plan of one prefill: weights + KV cache + activations, per level.

Everything here is arithmetic on a model's `config.json` (its `ModelShape`, `shape.py`);
nothing is loaded or allocated. The formulas are documented in `docs/vram.md` and on each
function.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from eval.exceptions import EvalError
from eval.vram.shape import (
    CONFIGS_DIR,
    ModelShape,
    config_aliases,
    count_parameters,
    load_model_shape,
    model_shape_from_config,
)
from hyperword import memory
from hyperword.levels import ladder

__all__ = [
    "CARDS_GB",
    "CONFIGS_DIR",
    "DEFAULT_OVERHEAD_BYTES",
    "DTYPE_BYTES",
    "GIB",
    "LEVEL_RATIOS",
    "QUANT_GROUP_SIZE",
    "CardFit",
    "ModelShape",
    "VramEstimate",
    "activation_bytes",
    "bytes_per_value",
    "config_aliases",
    "count_parameters",
    "estimate_vram",
    "kv_cache_bytes",
    "load_model_shape",
    "model_shape_from_config",
]

GIB = 2**30

# Storage bytes per value; int8/int4 add one fp16 scale per `QUANT_GROUP_SIZE` values.
DTYPE_BYTES = {"fp32": 4.0, "bf16": 2.0, "fp16": 2.0, "int8": 1.0, "int4": 0.5}
QUANT_GROUP_SIZE = 64

# Nominal text tokens per position the model attends over, from the ladder (`Level.ratio`).
LEVEL_RATIOS = {level.name: float(level.ratio) for level in ladder()}

# Card sizes checked by default, in GB as sold; counted as GiB (the drivers leave a bit less,
# which `DEFAULT_OVERHEAD_BYTES` stands in for together with the CUDA context).
CARDS_GB = (24, 48, 80, 96)
DEFAULT_OVERHEAD_BYTES = GIB // 2


@dataclass(frozen=True)
class CardFit:
    """Whether an estimate fits a card; `headroom_bytes` is negative when it does not."""

    card_gb: int
    capacity_bytes: int
    fits: bool
    headroom_bytes: int


@dataclass(frozen=True)
class VramEstimate:
    """Memory of one prefill over `positions` attended positions, in bytes."""

    model: str
    parameters: int
    level: str
    ratio: float
    context_tokens: int
    positions: int
    batch: int
    dtype: str
    kv_dtype: str
    prefill_chunk: int | None
    weight_bytes: int
    kv_cache_bytes: int
    activation_bytes: int
    overhead_bytes: int
    max_position_embeddings: int | None = None
    cards_gb: tuple[int, ...] = field(default=CARDS_GB)

    @property
    def total_bytes(self) -> int:
        return self.weight_bytes + self.kv_cache_bytes + self.activation_bytes + self.overhead_bytes

    @property
    def exceeds_max_positions(self) -> bool:
        """True when the model was not trained for this many positions."""
        return self.max_position_embeddings is not None and (
            self.positions > self.max_position_embeddings
        )

    def fits(self, cards_gb: tuple[int, ...] | None = None) -> list[CardFit]:
        """Fit and headroom on each card (default: `self.cards_gb`), counted as GiB."""
        fits = []
        for card in self.cards_gb if cards_gb is None else cards_gb:
            capacity = card * GIB
            headroom = capacity - self.total_bytes
            fits.append(CardFit(card, capacity, headroom >= 0, headroom))
        return fits

    def to_dict(self) -> dict[str, Any]:
        """All fields plus `total_bytes`, `exceeds_max_positions` and `fits` (JSON-ready)."""
        data = asdict(self)
        data["cards_gb"] = list(self.cards_gb)
        data["total_bytes"] = self.total_bytes
        data["exceeds_max_positions"] = self.exceeds_max_positions
        data["fits"] = [asdict(fit) for fit in self.fits()]
        return data


def kv_cache_bytes(
    shape: ModelShape, tokens: int, *, batch: int = 1, bytes_per_value: float = 2
) -> int:
    """Bytes of the KV cache after `tokens` positions (`hyperword.memory.kv_cache_bytes`)."""
    return memory.kv_cache_bytes(
        shape.layer_windows,
        kv_heads=shape.num_kv_heads,
        head_dim=shape.head_dim,
        tokens=tokens,
        batch=batch,
        bytes_per_value=bytes_per_value,
    )


def activation_bytes(
    shape: ModelShape,
    tokens: int,
    *,
    batch: int = 1,
    bytes_per_value: float = 2,
    all_logits: bool = False,
) -> int:
    """Peak activation bytes of an inference prefill of `tokens` positions in one forward.

    Layers run one at a time and free their inputs, so the peak is the largest single
    layer's live tensors. With a memory-efficient attention kernel (SDPA / flash; no
    `tokens x tokens` score matrix) these are, per position:

    - attention block: residual + normed input `2h`, q and the attention output `2*H*d`,
      fresh k and v `2*K*d`;
    - MLP block: residual + normed input `2h`, gate, up and their activated product `3*I`
      (for a mixture of experts, `I` times the experts used per token);

    the larger of the two, times `batch * tokens * bytes_per_value`. Add the logits in fp32:
    `batch * vocab * 4` for the last position (what `generate` computes), or
    `batch * tokens * vocab * 4` with `all_logits` (scoring every position).
    """
    h, d, inter = shape.hidden_size, shape.head_dim, shape.intermediate_size
    attention = 2 * h + 2 * shape.num_heads * d + 2 * shape.num_kv_heads * d
    mlp = 2 * h + 3 * inter * (shape.experts_per_token if shape.num_experts > 1 else 1)
    per_position = max(attention, mlp)
    logits = batch * (tokens if all_logits else 1) * shape.vocab_size * 4
    return math.ceil(batch * tokens * per_position * bytes_per_value) + logits


def bytes_per_value(dtype: str) -> float:
    """Storage bytes per value of `dtype`, with the per-group fp16 scale of int8/int4.

    Raises:
        EvalError: Unknown dtype.
    """
    if dtype not in DTYPE_BYTES:
        raise EvalError(f"unknown dtype {dtype!r}; choose one of {', '.join(DTYPE_BYTES)}")
    size = DTYPE_BYTES[dtype]
    if dtype.startswith("int"):
        size += 2 / QUANT_GROUP_SIZE
    return size


def estimate_vram(
    shape: ModelShape,
    *,
    context_tokens: int,
    level: str = "text",
    dtype: str = "bf16",
    kv_dtype: str | None = None,
    batch: int = 1,
    ratio: float | None = None,
    prefill_chunk: int | None = None,
    all_logits: bool = False,
    overhead_bytes: int = DEFAULT_OVERHEAD_BYTES,
) -> VramEstimate:
    """Plan the memory of prefilling `context_tokens` text tokens at a given level.

    Returns a `VramEstimate` (bytes; `fits()` says which cards hold it). Raises `EvalError`
    for a bad level, dtype or a non-positive count.

    Args:
        shape: The model, see `load_model_shape`.
        context_tokens: Length of the context in base-tokenizer (text) tokens.
        level: A level of the ladder; the model attends over `ceil(context_tokens / ratio)`.
        dtype: Weight dtype (`bf16`, `fp16`, `fp32`, `int8`, `int4`); activations use it
            when it is a float type, else bf16.
        kv_dtype: KV-cache dtype; default: the activation dtype.
        batch: Sequences prefilled together.
        ratio: Text tokens per position; default the level's nominal ratio (`LEVEL_RATIOS`).
        prefill_chunk: Prefill this many positions per forward (chunked prefill); bounds
            the activations, not the KV cache.
        all_logits: Count logits for every position, not just the last.
        overhead_bytes: CUDA context, allocator slack and workspace (default 0.5 GiB).
    """
    ratio = _checked_ratio(level, ratio, context_tokens, batch, prefill_chunk)
    weight_size = bytes_per_value(dtype)
    compute = "bf16" if dtype.startswith("int") else dtype
    kv_dtype = compute if kv_dtype is None else kv_dtype
    positions = math.ceil(context_tokens / ratio)
    forward = positions if prefill_chunk is None else min(positions, prefill_chunk)
    activations = activation_bytes(
        shape, forward, batch=batch, bytes_per_value=bytes_per_value(compute), all_logits=all_logits
    )
    return VramEstimate(
        model=shape.name,
        parameters=shape.parameters,
        level=level,
        ratio=float(ratio),
        context_tokens=context_tokens,
        positions=positions,
        batch=batch,
        dtype=dtype,
        kv_dtype=kv_dtype,
        prefill_chunk=prefill_chunk,
        weight_bytes=math.ceil(shape.parameters * weight_size),
        kv_cache_bytes=kv_cache_bytes(
            shape, positions, batch=batch, bytes_per_value=bytes_per_value(kv_dtype)
        ),
        activation_bytes=activations,
        overhead_bytes=overhead_bytes,
        max_position_embeddings=shape.max_position_embeddings,
    )


def _checked_ratio(
    level: str, ratio: float | None, context_tokens: int, batch: int, prefill_chunk: int | None
) -> float:
    """`estimate_vram`'s counts checked; the text tokens per position to plan with."""
    if level not in LEVEL_RATIOS:
        raise EvalError(f"unknown level {level!r}; choose one of {', '.join(LEVEL_RATIOS)}")
    for name, value in (("context_tokens", context_tokens), ("batch", batch)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise EvalError(f"{name} must be a positive integer, got {value!r}")
    if prefill_chunk is not None and (
        isinstance(prefill_chunk, bool) or not isinstance(prefill_chunk, int) or prefill_chunk < 1
    ):
        raise EvalError(f"prefill_chunk must be None or a positive integer, got {prefill_chunk!r}")
    ratio = LEVEL_RATIOS[level] if ratio is None else ratio
    if isinstance(ratio, bool) or not isinstance(ratio, int | float) or not ratio > 0:
        raise EvalError(f"ratio must be a positive number, got {ratio!r}")
    return ratio
