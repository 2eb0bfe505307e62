"""The `hyperword` chunk encoder: each chunk's text as hyperword ids, stored at ingest.

    from mnemonic import MnemonicStore, create_chunk_encoder

    encoder = create_chunk_encoder("hyperword", path="gemma-3-270m")  # shipped, or a folder
    store = MnemonicStore("memory/", encoders=[encoder])
    store.add_documents(docs)
    ids = store.get(chunk_ids, level="hyperword")[0].hyperword_ids
    assert encoder.tokenizer.expand(ids) == base_tokenizer(text, add_special_tokens=False).input_ids

The store records the encoder's `id` (base model and size) and `version` (the tokenizer's
fingerprint, a hash of its base vocabulary and every hyperword) in `store.json`, and refuses
to open with a different tokenizer (`IncompatibleStoreError`); ingest also refuses a tokenizer
whose base vocabulary is not the store's chunking tokenizer.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mnemonic.encoders import register_chunk_encoder
from mnemonic.exceptions import IncompatibleStoreError

__all__ = ["HyperwordChunkEncoder"]


@register_chunk_encoder("hyperword")
class HyperwordChunkEncoder:
    """Fills the `hyperword_ids` column with `HyperwordTokenizer.encode(chunk_text)`.

    Args:
        tokenizer: A loaded `HyperwordTokenizer`; or
        path: a folder written by `HyperwordTokenizer.save_pretrained`, or the alias of a
            shipped tokenizer (`gemma-3-270m`).
        base_tokenizer: The base tokenizer to load `path` against (default: the one named
            in its config).
    """

    level = "hyperword"

    def __init__(
        self,
        tokenizer: Any = None,
        *,
        path: str | Path | None = None,
        base_tokenizer: Any = None,
    ) -> None:
        from hyperword.tokenizer import HyperwordTokenizer

        if tokenizer is None:
            tokenizer = HyperwordTokenizer.from_pretrained(
                path or "gemma-3-270m", base_tokenizer=base_tokenizer
            )
        self.tokenizer = tokenizer
        config = tokenizer.config
        self.id = f"hyperword:{config.base_name}:{tokenizer.num_hyperwords}"
        self.version = tokenizer.fingerprint[:16]

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        """Hyperword ids of each chunk text."""
        return self.tokenizer.encode_batch(list(texts))

    def check_base_tokenizer(self, base_tokenizer: Any) -> None:
        """Raise `IncompatibleStoreError` unless `base_tokenizer` is the one hyperwords extend."""
        from hyperword.tokenizer.base import fingerprint

        config = self.tokenizer.config
        if len(base_tokenizer) != config.base_vocab_size or (
            fingerprint(base_tokenizer) != config.base_fingerprint
        ):
            name = getattr(base_tokenizer, "name_or_path", "?")
            raise IncompatibleStoreError(
                f"the hyperword tokenizer extends base tokenizer '{config.base_name}', but the "
                f"store chunks with '{name}'; use a hyperword tokenizer trained over the "
                f"store's base model"
            )
