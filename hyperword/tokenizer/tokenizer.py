"""`HyperwordTokenizer`: a lossless superword tokenizer over a base tokenizer's token ids."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterable, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from hyperword.tokenizer.base import (
    base_decode,
    base_encode_batch,
    fingerprint,
    resolve_base_tokenizer,
)
from hyperword.tokenizer.config import HyperwordTokenizerConfig
from hyperword.tokenizer.exceptions import (
    CorruptTokenizerError,
    TokenizerConfigError,
    TokenizerMismatchError,
)
from hyperword.tokenizer.training import (
    CHAR_OFFSET,
    MAX_BASE_VOCAB,
    Hyperword,
    get_trainer,
    id_to_char,
)
from hyperword.tokenizer.viterbi import build_viterbi

__all__ = ["HYPERWORDS_NAME", "HyperwordTokenizer", "split_lines"]

logger = logging.getLogger(__name__)

HYPERWORDS_NAME = "hyperwords.json"


def split_lines(texts: Iterable[str]) -> list[str]:
    """Training units: the non-blank lines of each text, newline kept (merges never cross them)."""
    return [line for text in texts for line in text.splitlines(keepends=True) if line.strip()]


class HyperwordTokenizer:
    """Base-token ids plus hyperword ids, each standing for a frequent base-id sequence.

    Ids `[0, base_vocab_size)` are the base tokenizer's own; hyperword `j` has id
    `base_vocab_size + j`. `encode` base-encodes the text (no special tokens), then splits the
    id sequence into the fewest known pieces; `decode(ids)` is `base.decode(expand(ids))`, so
    `decode(encode(s)) == s` whenever the base tokenizer round-trips `s`.

    Args:
        base_tokenizer: The Hugging Face tokenizer this one extends.
        hyperwords: The learned hyperwords, as id strings with frequencies.
        config: The matching config (built by `train` or `from_pretrained`).
    """

    def __init__(
        self,
        base_tokenizer: Any,
        hyperwords: Sequence[Hyperword],
        config: HyperwordTokenizerConfig,
    ) -> None:
        self.base_tokenizer = base_tokenizer
        self.config = config
        self.hyperwords = list(hyperwords)
        n_base = config.base_vocab_size
        if n_base > MAX_BASE_VOCAB:
            raise TokenizerConfigError(
                f"base vocabulary of {n_base} ids is too large (at most {MAX_BASE_VOCAB})"
            )
        # expansions[j] = base ids of hyperword id n_base + j
        self._expansions = [[ord(c) - CHAR_OFFSET for c in h.chars] for h in self.hyperwords]
        pieces = [id_to_char(i) for i in range(n_base)] + [h.chars for h in self.hyperwords]
        frequencies = [0] * n_base + [h.frequency for h in self.hyperwords]
        self._viterbi = build_viterbi(pieces, frequencies)

    # ----------------------------------------------------------------- properties
    @property
    def base_vocab_size(self) -> int:
        """Number of base-token ids; hyperword ids start here."""
        return self.config.base_vocab_size

    @property
    def num_hyperwords(self) -> int:
        """Number of hyperword ids."""
        return len(self.hyperwords)

    def __len__(self) -> int:
        return self.base_vocab_size + self.num_hyperwords

    def __repr__(self) -> str:
        return (
            f"HyperwordTokenizer(base={self.config.base_name!r}, "
            f"base_vocab_size={self.base_vocab_size}, num_hyperwords={self.num_hyperwords})"
        )

    # ----------------------------------------------------------------- training
    @classmethod
    def train(
        cls,
        texts: Iterable[str],
        base_tokenizer: Any,
        *,
        num_hyperwords: int,
        trainer: str = "ngram",
        **trainer_options: Any,
    ) -> HyperwordTokenizer:
        """Learn hyperwords from `texts` on top of `base_tokenizer`.

        Args:
            texts: Training documents (a single text: each line counts as a document); they
                are split into lines, and hyperwords never span one.
            base_tokenizer: A Hugging Face tokenizer (`name_or_path` is recorded).
            num_hyperwords: How many hyperword ids to learn at most.
            trainer: A registered trainer name (`ngram`, the default, or `bpe`).
            **trainer_options: Passed to the trainer (e.g. `max_length`, `min_frequency`).

        Returns:
            The trained tokenizer.
        """
        train_fn = get_trainer(trainer)
        n_base = len(base_tokenizer)
        start = time.perf_counter()
        per_text = [split_lines([text]) for text in texts]
        if len(per_text) > 1:  # each text is a document
            documents = [k for k, text_lines in enumerate(per_text) for _ in text_lines]
        else:  # one text: each line is a document
            documents = list(range(sum(len(text_lines) for text_lines in per_text)))
        flat = [line for text_lines in per_text for line in text_lines]
        lines = ["".join(map(id_to_char, ids)) for ids in base_encode_batch(base_tokenizer, flat)]
        hyperwords = train_fn(
            lines, num_hyperwords=num_hyperwords, documents=documents, **trainer_options
        )
        logger.info(
            "learned %d hyperwords from %d lines in %.1f s",
            len(hyperwords),
            len(lines),
            time.perf_counter() - start,
        )
        config = HyperwordTokenizerConfig(
            base_name=str(base_tokenizer.name_or_path),
            base_vocab_size=n_base,
            base_fingerprint=fingerprint(base_tokenizer),
            num_hyperwords=len(hyperwords),
            trainer=trainer,
            trainer_options=dict(trainer_options),
        )
        return cls(base_tokenizer, hyperwords, config)

    # ----------------------------------------------------------------- encode / decode
    def encode(self, text: str) -> list[int]:
        """Hyperword-token ids of `text` (base ids where no hyperword applies)."""
        return self.encode_batch([text])[0]

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        """Hyperword-token ids of each text."""
        offset = CHAR_OFFSET
        strings = [
            "".join([chr(offset + i) for i in ids])
            for ids in base_encode_batch(self.base_tokenizer, list(texts))
        ]
        return [encoding.ids for encoding in self._viterbi.encode_batch(strings)]

    def compress(self, base_ids: Sequence[int]) -> list[int]:
        """Hyperword-token ids of a base-id sequence (fewest pieces); `expand` inverts it.

        Use it when the base ids are already at hand (e.g. a window cut from a tokenized
        document): `compress(base_encode(text)) == encode(text)`.
        """
        n_base = self.base_vocab_size
        if any(not 0 <= i < n_base for i in base_ids):
            raise TokenizerConfigError(f"base ids must lie in [0, {n_base})")
        if not base_ids:
            return []
        offset = CHAR_OFFSET
        return self._viterbi.encode("".join([chr(offset + i) for i in base_ids])).ids

    def expand(self, ids: Iterable[int]) -> list[int]:
        """Base-token ids of hyperword-token ids (hyperwords replaced by their constituents)."""
        n_base, expansions = self.base_vocab_size, self._expansions
        out: list[int] = []
        for i in ids:
            if 0 <= i < n_base:
                out.append(i)
            elif n_base <= i < n_base + len(expansions):
                out.extend(expansions[i - n_base])
            else:
                raise TokenizerConfigError(f"id {i} is outside [0, {len(self)})")
        return out

    def decode(self, ids: Iterable[int]) -> str:
        """The text of hyperword-token ids, exactly as the base tokenizer decodes it."""
        return base_decode(self.base_tokenizer, self.expand(ids))

    def embed(self, ids: Sequence[int], embeddings: Any, *, composer: Any = None) -> Any:
        """`inputs_embeds` of shape (1, n, d) for the base model; see `embed_ids`."""
        from hyperword.tokenizer.embedding import embed_ids

        return embed_ids(self, ids, embeddings, composer=composer)

    @cached_property
    def fingerprint(self) -> str:
        """sha256 of the base vocabulary's fingerprint and every hyperword's base ids.

        Two tokenizers with the same fingerprint give the same ids for every text; stores
        record it to refuse hyperword ids from another tokenizer.
        """
        digest = hashlib.sha256(self.config.base_fingerprint.encode())
        digest.update(json.dumps(self._expansions, separators=(",", ":")).encode())
        return digest.hexdigest()

    # ----------------------------------------------------------------- save / load
    def save_pretrained(self, folder: str | Path) -> Path:
        """Write `config.json` and `hyperwords.json` (base ids + frequency) into `folder`."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.config.num_hyperwords = self.num_hyperwords
        self.config.save(folder)
        rows = [
            {"ids": expansion, "frequency": h.frequency}
            for expansion, h in zip(self._expansions, self.hyperwords, strict=True)
        ]
        text = json.dumps({"hyperwords": rows}, separators=(",", ":"))  # compact: 64k rows ~2 MB
        (folder / HYPERWORDS_NAME).write_text(text + "\n")
        return folder

    @classmethod
    def from_pretrained(
        cls, folder: str | Path, *, base_tokenizer: Any = None
    ) -> HyperwordTokenizer:
        """Load a saved tokenizer.

        Args:
            folder: A folder written by `save_pretrained`, or the base model alias of a
                tokenizer shipped with the package (`"gemma-3-270m"`).
            base_tokenizer: The base tokenizer to extend; by default the one named in the
                config (`base_name`) is loaded.

        Returns:
            The tokenizer.

        Raises:
            TokenizerMismatchError: `base_tokenizer` is not the one it was trained on.
            CorruptTokenizerError: files are missing or unreadable.
        """
        from hyperword.tokenizer.shipped import resolve_tokenizer_folder

        folder = resolve_tokenizer_folder(folder)
        config = HyperwordTokenizerConfig.load(folder)
        if base_tokenizer is None:
            base_tokenizer = resolve_base_tokenizer(config.base_name)
        name = getattr(base_tokenizer, "name_or_path", "?")
        if len(base_tokenizer) != config.base_vocab_size or (
            fingerprint(base_tokenizer) != config.base_fingerprint
        ):
            raise TokenizerMismatchError(
                f"the hyperword tokenizer in {folder} extends base tokenizer "
                f"'{config.base_name}' ({config.base_vocab_size} ids), not '{name}' "
                f"({len(base_tokenizer)} ids, different vocabulary); load it with its own base"
            )
        hyperwords = _read_hyperwords(folder / HYPERWORDS_NAME, config)
        return cls(base_tokenizer, hyperwords, config)


def _read_hyperwords(path: Path, config: HyperwordTokenizerConfig) -> list[Hyperword]:
    try:
        rows = json.loads(path.read_text())["hyperwords"]
        hyperwords = [
            Hyperword("".join(map(id_to_char, row["ids"])), int(row["frequency"])) for row in rows
        ]
        valid = all(
            len(row["ids"]) >= 2
            and all(isinstance(i, int) and 0 <= i < config.base_vocab_size for i in row["ids"])
            for row in rows
        )
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise CorruptTokenizerError(f"cannot read hyperwords from {path}: {error}") from error
    if not valid:
        raise CorruptTokenizerError(
            f"{path} holds a hyperword that is not a sequence of >= 2 base ids "
            f"in [0, {config.base_vocab_size})"
        )
    if len(hyperwords) != config.num_hyperwords or len({h.chars for h in hyperwords}) != len(
        hyperwords
    ):
        raise CorruptTokenizerError(
            f"{path} holds {len(hyperwords)} hyperwords (distinct: "
            f"{len({h.chars for h in hyperwords})}), config.json says {config.num_hyperwords}"
        )
    return hyperwords
