"""The base tokenizer under a hyperword tokenizer: resolving it, fingerprinting it, using it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

__all__ = ["base_decode", "base_encode_batch", "fingerprint", "resolve_base_tokenizer"]


def resolve_base_tokenizer(name_or_path: str | Path) -> Any:
    """Load a base tokenizer from a model alias, a model folder, or a tokenizer-only folder.

    Args:
        name_or_path: An alias known to `hyperword.models` (`gemma-3-270m`), a local HF model
            folder, or a folder written by a tokenizer's `save_pretrained` (no config.json).

    Returns:
        The tokenizer, its `name_or_path` set to `name_or_path`.
    """
    path = Path(name_or_path)
    if path.is_dir() and not (path / "config.json").exists():
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(str(path))
        tokenizer.name_or_path = str(name_or_path)
        return tokenizer
    from hyperword.models import load_tokenizer

    return load_tokenizer(str(name_or_path))


def fingerprint(tokenizer: Any) -> str:
    """sha256 of the tokenizer's vocabulary (token -> id, sorted), added tokens included."""
    vocab = sorted(tokenizer.get_vocab().items(), key=lambda item: item[1])
    digest = hashlib.sha256(json.dumps(vocab, ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()


def base_encode_batch(tokenizer: Any, texts: list[str]) -> list[list[int]]:
    """Base-token ids of each text, without special tokens (no BOS/EOS).

    A fast tokenizer's Rust backend is called directly (the same ids, less Python overhead;
    a test checks they agree); other tokenizers through `tokenizer(texts)`.
    """
    if not texts:
        return []
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None and getattr(tokenizer, "is_fast", False):
        if len(texts) == 1:
            return [backend.encode(texts[0], add_special_tokens=False).ids]
        return [e.ids for e in backend.encode_batch(texts, add_special_tokens=False)]
    return tokenizer(texts, add_special_tokens=False)["input_ids"]


def base_decode(tokenizer: Any, ids: list[int]) -> str:
    """Text of base-token ids, exactly as the base tokenizer spells it (no clean-up)."""
    return tokenizer.decode(ids, skip_special_tokens=False, clean_up_tokenization_spaces=False)
