"""Sentence-aware chunking by base-model token count.

A block of text is tokenized once (with character offsets); chunk boundaries are token
indices, preferably where a sentence (in any script: `hyperword.sentences`) or line starts.
A chunk holds at most `chunk_tokens` base tokens; the next chunk starts with the previous
chunk's trailing whole sentences that fit in `overlap_tokens` (none when the last sentence is
longer), or, when a single sentence had to be split mid-way, with exactly `overlap_tokens`
tokens. `text_tokens` is the token count of the chunk inside its document, so it matches what
the base model reads.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from hyperword.sentences import sentence_spans
from mnemonic.exceptions import ConfigError

__all__ = ["Chunker", "ChunkingConfig", "TextChunk"]


@dataclass(frozen=True)
class ChunkingConfig:
    """How documents are cut into chunks (recorded in the store's manifest)."""

    chunk_tokens: int = field(default=128, metadata={"help": "Max base-model tokens per chunk."})
    overlap_tokens: int = field(
        default=16, metadata={"help": "Tokens of trailing context repeated in the next chunk."}
    )
    block_chars: int = field(
        default=262_144,
        metadata={"help": "Characters read and tokenized at a time (large files stream)."},
    )

    def __post_init__(self) -> None:
        if not isinstance(self.chunk_tokens, int) or self.chunk_tokens < 8:
            raise ConfigError(f"chunk_tokens must be an int >= 8, got {self.chunk_tokens!r}")
        if not isinstance(self.overlap_tokens, int) or not (
            0 <= self.overlap_tokens <= self.chunk_tokens // 2
        ):
            raise ConfigError(
                f"overlap_tokens must be an int in [0, chunk_tokens // 2 = "
                f"{self.chunk_tokens // 2}], got {self.overlap_tokens!r}"
            )
        if not isinstance(self.block_chars, int) or self.block_chars < 1024:
            raise ConfigError(f"block_chars must be an int >= 1024, got {self.block_chars!r}")

    def to_dict(self) -> dict[str, Any]:
        """The fields that decide chunk contents (`block_chars` is a reading detail)."""
        data = asdict(self)
        data.pop("block_chars")
        return data


@dataclass(frozen=True)
class TextChunk:
    """A chunk before it is stored: its text and its base-model token count."""

    index: int
    text: str
    tokens: int


class Chunker:
    """Cut text into chunks of at most `config.chunk_tokens` base-model tokens.

    Args:
        tokenizer: A fast (Rust-backed) HF tokenizer of the base model; it must return
            character offsets.
        config: Chunk size and overlap.
    """

    def __init__(self, tokenizer: Any, config: ChunkingConfig | None = None) -> None:
        if not getattr(tokenizer, "is_fast", False):
            raise ConfigError(
                f"chunking needs a fast tokenizer with offsets; got {type(tokenizer).__name__}"
            )
        self.tokenizer = tokenizer
        self.config = config or ChunkingConfig()

    def chunk_text(self, text: str) -> list[TextChunk]:
        """Chunk one in-memory text."""
        return list(self.chunk_blocks([text]))

    def chunk_blocks(self, blocks: Iterable[str]) -> Iterator[TextChunk]:
        """Chunk a stream of text blocks (each cut at a line or sentence end by the reader).

        Chunks never span two blocks; indices run on across blocks.
        """
        index = 0
        for block in blocks:
            for text, tokens in self._chunk_block(block):
                yield TextChunk(index=index, text=text, tokens=tokens)
                index += 1

    def _chunk_block(self, block: str) -> Iterator[tuple[str, int]]:
        if not block.strip():
            return
        encoding = self.tokenizer(
            block, add_special_tokens=False, return_offsets_mapping=True, verbose=False
        )
        offsets = encoding["offset_mapping"]
        n = len(offsets)
        if n == 0:
            return
        starts = [start for start, _ in offsets]
        # token index where each sentence / line starts (the first token at or after the end
        # of the previous one's text; sentences in any script, `hyperword.sentences`)
        ends = (a + len(block[a:b].rstrip()) for a, b in sentence_spans(block))
        boundaries = sorted({bisect.bisect_left(starts, end) for end in ends} - {0, n})
        size, overlap = self.config.chunk_tokens, self.config.overlap_tokens
        start = 0
        while start < n:
            if start + size >= n:
                end, hard = n, False
            else:
                i = bisect.bisect_right(boundaries, start + size) - 1
                hard = i < 0 or boundaries[i] <= start
                end = start + size if hard else boundaries[i]
            text = block[offsets[start][0] : offsets[end - 1][1]].strip()
            if text:
                yield text, end - start
            if end >= n:
                break
            next_start = end
            if overlap:
                j = bisect.bisect_left(boundaries, end - overlap)
                if j < len(boundaries) and start < boundaries[j] < end:
                    next_start = boundaries[j]
                elif hard:
                    next_start = end - overlap
            start = next_start
