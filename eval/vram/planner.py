"""Analytic GPU-memory plan of one prefill: weights + KV cache + activations, per level.

Everything here is arithmetic on a model's `config.json`; nothing is loaded or allocated.
The formulas are documented in `docs/vram.md` and on each function.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from eval.exceptions import EvalError
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
CONFIGS_DIR = Path(__file__).parent / "configs"

# Storage bytes per value; int8/int4 add one fp16 scale per `QUANT_GROUP_SIZE` values.
DTYPE_BYTES = {"fp32": 4.0, "bf16": 2.0, "fp16": 2.0, "int8": 1.0, "int4": 0.5}
QUANT_GROUP_SIZE = 64

# Nominal text tokens per position the model attends over, from the ladder (`Level.ratio`).
LEVEL_RATIOS = {level.name: float(level.ratio) for level in ladder()}

# Card sizes checked by default, in GB as sold; counted as GiB (the drivers leave a bit less,
# which `DEFAULT_OVERHEAD_BYTES` stands in for together with the CUDA context).
CARDS_GB = (24, 48, 80, 96)
DEFAULT_OVERHEAD_BYTES = GIB // 2

# Architectures whose MLP has no gate (up + down only); every other one is counted as gated.
_UNGATED = {"gpt2", "gpt_neox", "gptj", "opt", "phi", "falcon", "bloom", "starcoder2", "bert"}
_FOUR_NORMS = {"gemma2", "gemma3", "gemma3_text"}
_QK_NORM = {"gemma3", "gemma3_text", "qwen3", "qwen3_moe", "olmo2"}
# GPT-2-style names for the same fields.
_KEY_ALIASES = {
    "hidden_size": ("n_embd", "d_model"),
    "num_hidden_layers": ("n_layer", "num_layers"),
    "num_attention_heads": ("n_head", "num_heads"),
    "intermediate_size": ("n_inner", "ffn_dim"),
    "max_position_embeddings": ("n_positions", "max_seq_len"),
}


@dataclass(frozen=True)
class ModelShape:
    """The sizes of a decoder-only transformer that memory depends on.

    Attributes:
        layer_windows: Per layer, `None` for full attention or its sliding-window length.
    """

    name: str
    model_type: str
    hidden_size: int
    num_layers: int
    num_heads: int
    num_kv_heads: int
    head_dim: int
    intermediate_size: int
    vocab_size: int
    tie_word_embeddings: bool = False
    max_position_embeddings: int | None = None
    layer_windows: tuple[int | None, ...] = ()
    qkv_bias: bool = False
    o_bias: bool = False
    gated_mlp: bool = True
    num_experts: int = 1
    experts_per_token: int = 1
    norms_per_layer: int = 2
    qk_norm: bool = False

    def __post_init__(self) -> None:
        for name in (
            "hidden_size",
            "num_layers",
            "num_heads",
            "num_kv_heads",
            "head_dim",
            "intermediate_size",
            "vocab_size",
            "num_experts",
            "experts_per_token",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise EvalError(
                    f"model {self.name!r}: {name} must be a positive integer, got {value!r}"
                )
        if not self.layer_windows:
            object.__setattr__(self, "layer_windows", (None,) * self.num_layers)
        if len(self.layer_windows) != self.num_layers:
            raise EvalError(
                f"model {self.name!r}: {len(self.layer_windows)} layer types for "
                f"{self.num_layers} layers"
            )

    @property
    def parameters(self) -> int:
        """Parameter count, see `count_parameters`."""
        return count_parameters(self)

    @property
    def sliding_layers(self) -> int:
        """How many layers use a sliding window."""
        return sum(window is not None for window in self.layer_windows)


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


def count_parameters(shape: ModelShape) -> int:
    """Parameters from the shape alone.

    Embeddings `V*h`; per layer attention `h*(H*d) + 2*h*(K*d) + (H*d)*h` (q, k, v, o with
    grouped-query K <= H heads of size d), plus q/k/v biases where the architecture has them;
    MLP `3*h*I` (gate, up, down; `2*h*I` without a gate) per expert plus an `h*E` router;
    RMS/LayerNorm weights (2 per layer, 4 for Gemma 2/3, plus q/k norms of size d); a final
    norm; and `V*h` for the LM head unless it is tied to the embeddings. Biases of MLPs and
    norms and learned position tables are left out (under 0.1% for the shipped configs).
    """
    h, d = shape.hidden_size, shape.head_dim
    q_dim, kv_dim = shape.num_heads * d, shape.num_kv_heads * d
    attention = h * q_dim + 2 * h * kv_dim + q_dim * h
    if shape.qkv_bias:
        attention += q_dim + 2 * kv_dim
    if shape.o_bias:
        attention += h
    mlp = (3 if shape.gated_mlp else 2) * h * shape.intermediate_size * shape.num_experts
    if shape.num_experts > 1:
        mlp += h * shape.num_experts
    norms = shape.norms_per_layer * h + (2 * d if shape.qk_norm else 0)
    embeddings = shape.vocab_size * h
    head = 0 if shape.tie_word_embeddings else shape.vocab_size * h
    return embeddings + shape.num_layers * (attention + mlp + norms) + h + head


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

    Args:
        shape: The model, see `load_model_shape`.
        context_tokens: Length of the context in base-tokenizer (text) tokens.
        level: `text`, `hyperword`, `scene` or `concept`; the model attends over
            `ceil(context_tokens / ratio)` positions.
        dtype: Weight dtype (`bf16`, `fp16`, `fp32`, `int8`, `int4`). Activations use it
            too when it is a float type, else bf16.
        kv_dtype: KV-cache dtype; default: the activation dtype.
        batch: Sequences prefilled together.
        ratio: Text tokens per position; default the level's nominal ratio (`LEVEL_RATIOS`,
            e.g. 1.3 for `hyperword`).
        prefill_chunk: Prefill this many positions per forward (chunked prefill) instead of
            the whole context at once; bounds the activations, not the KV cache.
        all_logits: Count logits for every position, not just the last.
        overhead_bytes: CUDA context, allocator slack and workspace (default 0.5 GiB).

    Returns:
        A `VramEstimate` (bytes); `fits()` says which cards hold it.

    Raises:
        EvalError: A bad level, dtype, or a non-positive count.
    """
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
    weight_size = bytes_per_value(dtype)
    compute_dtype = dtype if not dtype.startswith("int") else "bf16"
    kv_dtype = compute_dtype if kv_dtype is None else kv_dtype
    kv_size = bytes_per_value(kv_dtype)
    positions = math.ceil(context_tokens / ratio)
    forward_positions = positions if prefill_chunk is None else min(positions, prefill_chunk)
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
        kv_cache_bytes=kv_cache_bytes(shape, positions, batch=batch, bytes_per_value=kv_size),
        activation_bytes=activation_bytes(
            shape,
            forward_positions,
            batch=batch,
            bytes_per_value=bytes_per_value(compute_dtype),
            all_logits=all_logits,
        ),
        overhead_bytes=overhead_bytes,
        max_position_embeddings=shape.max_position_embeddings,
    )


def config_aliases() -> list[str]:
    """Aliases of the configs shipped in `eval/vram/configs/`."""
    return sorted(path.stem for path in CONFIGS_DIR.glob("*.json"))


def load_model_shape(config_or_alias: str | Path | Mapping[str, Any] | Any) -> ModelShape:
    """The `ModelShape` of a config: a `config.json` path, its folder, an alias, or a config.

    Args:
        config_or_alias: A path to a `config.json` or to a folder holding one; an alias from
            `config_aliases()` (case-insensitive; a hub id such as `meta-llama/Llama-3.1-8B`
            matches by its last part); or a config dict / transformers `PretrainedConfig`.

    Raises:
        EvalError: Nothing found under that name, unreadable JSON, or not a decoder config.
    """
    if not isinstance(config_or_alias, str | Path):
        return model_shape_from_config(config_or_alias)
    path = Path(config_or_alias).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise EvalError(f"no config.json in folder {path}")
        return _shape_from_file(path / "config.json", name=path.name)
    if path.is_file():
        return _shape_from_file(
            path, name=path.parent.name if path.name == "config.json" else path.stem
        )
    alias = str(config_or_alias).lower().rsplit("/", 1)[-1]
    if alias in config_aliases():
        return _shape_from_file(CONFIGS_DIR / f"{alias}.json", name=alias)
    raise EvalError(
        f"no model config {str(config_or_alias)!r}: give a config.json path, a folder holding "
        f"one, or an alias ({', '.join(config_aliases())})"
    )


def _shape_from_file(path: Path, *, name: str) -> ModelShape:
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise EvalError(f"cannot read model config {path}: {error}") from None
    except json.JSONDecodeError as error:
        raise EvalError(f"model config {path} is not valid JSON: {error}") from None
    return model_shape_from_config(config, name=name, source=str(path))


def model_shape_from_config(
    config: Any, *, name: str | None = None, source: str = ""
) -> ModelShape:
    """A `ModelShape` from a Hugging Face config dict or a `PretrainedConfig` (`.to_dict()`).

    Multimodal configs use their `text_config`. GQA comes from `num_key_value_heads`
    (default: one per attention head), `head_dim` defaults to `hidden_size / heads`, and
    sliding windows from `layer_types` + `sliding_window`, else from `sliding_window`
    with `sliding_window_pattern` (Gemma 3), alternation (Gemma 2), `max_window_layers`
    (Qwen 2) or on every layer (Mistral v0.1); `use_sliding_window: false` turns them off.

    Raises:
        EvalError: Not a mapping, or a required field is missing or not a positive integer.
    """
    if hasattr(config, "to_dict") and not isinstance(config, Mapping):
        config = config.to_dict()
    where = source or "model config"
    if not isinstance(config, Mapping):
        raise EvalError(f"{where} is a {type(config).__name__}, not a JSON object")
    config = dict(config)
    if "hidden_size" not in config and isinstance(config.get("text_config"), Mapping):
        config = {**config["text_config"], "_name_or_path": config.get("_name_or_path")}
    for key, aliases in _KEY_ALIASES.items():
        if config.get(key) is None:
            config[key] = next((config[a] for a in aliases if config.get(a) is not None), None)
    model_type = str(config.get("model_type") or "")
    if (
        config.get("intermediate_size") is None
        and model_type in _UNGATED
        and isinstance(config.get("hidden_size"), int)
    ):
        config["intermediate_size"] = 4 * config["hidden_size"]  # GPT-2's n_inner: null
    required = (
        "hidden_size",
        "num_hidden_layers",
        "num_attention_heads",
        "intermediate_size",
        "vocab_size",
    )
    missing = [key for key in required if config.get(key) is None]
    if missing:
        raise EvalError(
            f"{where} lacks {', '.join(missing)}; expected a decoder-only transformer "
            "config.json (hidden_size, num_hidden_layers, num_attention_heads, "
            "intermediate_size, vocab_size)"
        )
    for key in required:
        value = config[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise EvalError(f"{where}: {key} must be a positive integer, got {value!r}")
    hidden, layers, heads = (
        config["hidden_size"],
        config["num_hidden_layers"],
        config["num_attention_heads"],
    )
    head_dim = config.get("head_dim") or hidden // heads
    experts = config.get("num_local_experts") or 1
    return ModelShape(
        name=name or str(config.get("_name_or_path") or model_type or "model"),
        model_type=model_type,
        hidden_size=hidden,
        num_layers=layers,
        num_heads=heads,
        num_kv_heads=config.get("num_key_value_heads") or heads,
        head_dim=head_dim,
        intermediate_size=config["intermediate_size"],
        vocab_size=config["vocab_size"],
        tie_word_embeddings=bool(config.get("tie_word_embeddings", False)),
        max_position_embeddings=config.get("max_position_embeddings"),
        layer_windows=_layer_windows(config, layers, where),
        qkv_bias=bool(config.get("attention_bias", model_type == "qwen2")),
        o_bias=bool(config.get("attention_bias", False)),
        gated_mlp=model_type not in _UNGATED,
        num_experts=experts,
        experts_per_token=(config.get("num_experts_per_tok") or 1) if experts > 1 else 1,
        norms_per_layer=4 if model_type in _FOUR_NORMS else 2,
        qk_norm=model_type in _QK_NORM,
    )


def _layer_windows(config: Mapping[str, Any], layers: int, where: str) -> tuple[int | None, ...]:
    window = config.get("sliding_window")
    types = config.get("layer_types")
    if types:
        if len(types) != layers:
            raise EvalError(f"{where}: {len(types)} layer_types for {layers} layers")
        return tuple(window if kind == "sliding_attention" and window else None for kind in types)
    if not window or config.get("use_sliding_window") is False:
        return (None,) * layers
    pattern = config.get("sliding_window_pattern") or config.get("_sliding_window_pattern")
    if pattern:
        return tuple(None if (i + 1) % pattern == 0 else window for i in range(layers))
    if config.get("model_type") == "gemma2":
        return tuple(window if i % 2 == 0 else None for i in range(layers))
    if "max_window_layers" in config:
        first = config["max_window_layers"]
        return tuple(window if i >= first else None for i in range(layers))
    return (window,) * layers
