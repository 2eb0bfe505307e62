"""Base models and the retrieval embedder, loadable offline."""

from __future__ import annotations

from hyperword.models.aliases import DEFAULT_MODEL, MODEL_ALIASES, ModelAlias, register_alias
from hyperword.models.cache import ModelCache, default_cache_dir
from hyperword.models.embedder import DEFAULT_EMBEDDER, load_embedder
from hyperword.models.info import ModelInfo, describe_models
from hyperword.models.loading import load_base_model, load_tokenizer

__all__ = [
    "DEFAULT_EMBEDDER",
    "DEFAULT_MODEL",
    "MODEL_ALIASES",
    "ModelAlias",
    "ModelCache",
    "ModelInfo",
    "default_cache_dir",
    "describe_models",
    "load_base_model",
    "load_embedder",
    "load_tokenizer",
    "register_alias",
]
