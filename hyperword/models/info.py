"""What `hyperword models` reports: each alias, installed or not, cached or not, and its size."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from hyperword.models.aliases import MODEL_ALIASES, ModelAlias
from hyperword.models.cache import ModelCache

__all__ = ["ModelInfo", "describe_models"]


@dataclass(frozen=True)
class ModelInfo:
    alias: str
    package: str
    description: str
    installed: bool
    cached: bool
    parameters: int | None
    vocab_size: int | None


def describe_models(cache_dir: str | Path | None = None) -> list[ModelInfo]:
    """One `ModelInfo` per registered alias; sizes are read from file headers, not by loading."""
    cache = ModelCache(cache_dir)
    return [_describe(alias, cache) for alias in MODEL_ALIASES.values()]


def _describe(alias: ModelAlias, cache: ModelCache) -> ModelInfo:
    parameters = vocab_size = None
    cached = False
    if alias.is_installed():
        gguf_path = alias.gguf_path(cache.gguf_dir)
        entry = cache.lookup(gguf_path)
        cached = entry is not None
        if entry is not None:
            parameters, vocab_size = _safetensors_sizes(entry)
        else:
            parameters, vocab_size = _gguf_sizes(gguf_path)
    return ModelInfo(
        alias=alias.name,
        package=alias.package,
        description=alias.description,
        installed=alias.is_installed(),
        cached=cached,
        parameters=parameters,
        vocab_size=vocab_size,
    )


def _safetensors_sizes(folder: Path) -> tuple[int, int]:
    from safetensors import safe_open

    parameters = 0
    for file in sorted(folder.glob("*.safetensors")):
        with safe_open(str(file), framework="pt") as handle:
            for key in handle.keys():  # noqa: SIM118 (safe_open is not a dict)
                shape = handle.get_slice(key).get_shape()
                count = 1
                for dim in shape:
                    count *= dim
                parameters += count
    vocab_size = json.loads((folder / "config.json").read_text())["vocab_size"]
    return parameters, vocab_size


def _gguf_sizes(path: Path) -> tuple[int, int]:
    from gguf import GGUFReader

    reader = GGUFReader(str(path))
    parameters = sum(int(tensor.n_elements) for tensor in reader.tensors)
    tokens = reader.fields.get("tokenizer.ggml.tokens")
    vocab_size = len(tokens.data) if tokens is not None else 0
    return parameters, vocab_size
