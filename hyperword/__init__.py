"""Hyperword: compress text into fewer, denser tokens so large contexts fit on one GPU."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["HyperwordEncoder", "HyperwordTokenizer", "__version__"]


def __getattr__(name: str) -> Any:
    # Lazy, so `import hyperword` stays light (no tokenizers/transformers import).
    if name == "HyperwordTokenizer":
        from hyperword.tokenizer import HyperwordTokenizer

        return HyperwordTokenizer
    if name == "HyperwordEncoder":
        from hyperword.encoder import HyperwordEncoder

        return HyperwordEncoder
    raise AttributeError(f"module 'hyperword' has no attribute {name!r}")
