"""`ModelShape`: the sizes of a decoder-only transformer that its memory depends on.

Read from a Hugging Face `config.json` (a path, its folder, an alias of the configs shipped
in `eval/vram/configs/`, or a loaded config); nothing is loaded or allocated.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.exceptions import EvalError
from hyperword.text_files import TextFileError, read_text

__all__ = [
    "CONFIGS_DIR",
    "ModelShape",
    "config_aliases",
    "count_parameters",
    "load_model_shape",
    "model_shape_from_config",
]

CONFIGS_DIR = Path(__file__).parent / "configs"
MAX_CONFIG_CHARS = 4_000_000  # a model's config.json is a few KB

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
        config = json.loads(read_text(path, max_chars=MAX_CONFIG_CHARS))
    except (OSError, TextFileError) as error:
        raise EvalError(f"cannot read model config {path}: {error}") from None
    except (json.JSONDecodeError, RecursionError) as error:
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
    where = source or "model config"
    config = _normalized(config, where)
    model_type = str(config.get("model_type") or "")
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


_REQUIRED = (
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "intermediate_size",
    "vocab_size",
)


def _normalized(config: Any, where: str) -> dict[str, Any]:
    """The config as a dict with the standard names (a text config, GPT-2 aliases), checked."""
    if hasattr(config, "to_dict") and not isinstance(config, Mapping):
        config = config.to_dict()
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
    missing = [key for key in _REQUIRED if config.get(key) is None]
    if missing:
        raise EvalError(
            f"{where} lacks {', '.join(missing)}; expected a decoder-only transformer "
            "config.json (hidden_size, num_hidden_layers, num_attention_heads, "
            "intermediate_size, vocab_size)"
        )
    for key in _REQUIRED:
        value = config[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise EvalError(f"{where}: {key} must be a positive integer, got {value!r}")
    return config


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
