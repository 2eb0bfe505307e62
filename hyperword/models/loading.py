"""`load_base_model`: one entry point for aliases, local folders, GGUF files and hub ids."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from hyperword.devices import default_device, resolve_dtype
from hyperword.exceptions import ModelNotFoundError, UnknownModelError
from hyperword.models.aliases import DEFAULT_MODEL, MODEL_ALIASES, get_alias
from hyperword.models.cache import ModelCache

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

__all__ = ["load_base_model", "load_tokenizer", "resolve_model_folder"]

logger = logging.getLogger(__name__)


def load_base_model(
    name_or_path: str | Path = DEFAULT_MODEL,
    *,
    device: str | torch.device | None = None,
    dtype: str | torch.dtype | None = None,
    cache_dir: str | Path | None = None,
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Load a causal LM and its tokenizer, offline when the model ships in a package.

    Args:
        name_or_path: An alias (`gemma-3-270m`, the default; `smollm2-135m`), a local HF folder,
            a `.gguf` file (or a folder holding one), or a hub id (`org/name`, needs network).
        device: Where to put the model; CUDA when available, else CPU.
        dtype: Weights dtype; bf16 on CUDA, fp32 on CPU.
        cache_dir: Where dequantized GGUF models are cached (`$HYPERWORD_CACHE` by default).

    Returns:
        `(model, tokenizer)`, the model in eval mode. `model.name_or_path` is `name_or_path`,
        the id stores record to refuse mixing vectors from different models.
    """
    device = torch.device(device) if device is not None else default_device()
    dtype = resolve_dtype(dtype, device)
    cache = ModelCache(cache_dir)
    folder, gguf_path = resolve_model_folder(str(name_or_path), cache)
    if gguf_path is None:
        try:
            model, tokenizer = _load_folder(folder, dtype)
        except OSError as error:
            raise ModelNotFoundError(
                f"could not load model '{name_or_path}' from {folder}: {error}"
            ) from error
    else:
        try:
            model, tokenizer = _load_folder(folder, dtype)
        except Exception as error:  # any failure of a cache entry means: rebuild it
            logger.warning("cache entry %s failed to load (%s); rebuilding it", folder, error)
            cache.invalidate(Path(folder))
            model, tokenizer = _load_folder(cache.build(gguf_path), dtype)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    model.config._name_or_path = model.name_or_path = str(name_or_path)
    tokenizer.name_or_path = str(name_or_path)
    return model.to(device).eval(), tokenizer


def load_tokenizer(
    name_or_path: str | Path = DEFAULT_MODEL, *, cache_dir: str | Path | None = None
) -> PreTrainedTokenizerBase:
    """Load only the tokenizer of a base model (same names as `load_base_model`)."""
    from transformers import AutoTokenizer

    folder, _ = resolve_model_folder(str(name_or_path), ModelCache(cache_dir))
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder)
    except OSError as error:
        raise ModelNotFoundError(
            f"could not load tokenizer of '{name_or_path}': {error}"
        ) from error
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.name_or_path = str(name_or_path)
    return tokenizer


def resolve_model_folder(name: str, cache: ModelCache) -> tuple[str, Path | None]:
    """Map a name to what `from_pretrained` loads, building the GGUF cache entry if needed.

    Returns:
        `(folder_or_hub_id, gguf_source)`; `gguf_source` is `None` unless the folder is a cache
        entry built from that GGUF file (so a broken entry can be rebuilt).
    """
    alias = get_alias(name)
    if alias is not None:
        return _cached_gguf(alias.gguf_path(cache.gguf_dir), cache)
    path = Path(name).expanduser()
    if path.is_file() and path.suffix == ".gguf":
        return _cached_gguf(path, cache)
    if path.is_dir():
        if (path / "config.json").is_file():
            return str(path), None
        ggufs = sorted(path.glob("*.gguf"))
        if len(ggufs) == 1:
            return _cached_gguf(ggufs[0], cache)
        raise ModelNotFoundError(
            f"{path} holds no config.json and {len(ggufs)} .gguf files; point at one model"
        )
    if path.exists() or name.startswith((".", "/", "~")) or name.endswith(".gguf"):
        raise ModelNotFoundError(f"no model at {path}: expected an HF folder or a .gguf file")
    if "/" not in name:
        raise UnknownModelError(
            f"unknown model '{name}': known aliases are {', '.join(sorted(MODEL_ALIASES))}; "
            "or pass a local folder, a .gguf file, or a hub id such as org/name"
        )
    return name, None


def _cached_gguf(gguf_path: Path, cache: ModelCache) -> tuple[str, Path]:
    entry = cache.lookup(gguf_path)
    if entry is None:
        entry = cache.build(gguf_path)
    return str(entry), gguf_path


def _load_folder(folder: str | Path, dtype: torch.dtype):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=dtype)
    return model, tokenizer
