"""One `inputs_embeds` sequence: the prompt's prefix, the sources with their markers, the suffix.

    [BOS] prefix | sep? marker_1 rows_1 | sep marker_2 rows_2 | ... | suffix
                 '------------------ context (the budget) ---------'

A source marker (`[1] `, `[2] `, ...) is plain text embedded with the base embedding; it
counts as context, as do the soft levels' own begin/end marker rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from hyperword.prompts import PromptParts
from hyperword.rows import text_rows

__all__ = ["Assembled", "MarkerStyle", "Piece", "assemble"]


@dataclass(frozen=True)
class MarkerStyle:
    """How sources are marked in the context.

    Args:
        source: Marker before each source; `{n}` is its number (1 = most relevant).
        separator: Text between two sources (before the marker of every source but the first).
    """

    source: str = field(default="[{n}] ", metadata={"help": "marker text; {n} = source number"})
    separator: str = field(default="\n", metadata={"help": "between sources"})

    def __post_init__(self) -> None:
        try:
            self.source.format(n=1)
        except (KeyError, IndexError, ValueError):
            raise ValueError(
                f"source marker {self.source!r} is not a format string with {{n}}"
            ) from None

    def text(self, n: int) -> str:
        """The marker of source number `n` (1-based), separator included."""
        return (self.separator if n > 1 else "") + self.source.format(n=n)

    def tokens(self, tokenizer: Any, n: int) -> int:
        """Tokens of the marker of source `n`."""
        text = self.text(n)
        return len(tokenizer(text, add_special_tokens=False).input_ids) if text else 0


@dataclass(frozen=True)
class Piece:
    """One source's rows: `marker (m, d)` then `content (c, d)`, at `level`."""

    level: str
    marker: torch.Tensor
    content: torch.Tensor


@dataclass(frozen=True)
class Assembled:
    """The sequence and where its parts are.

    Attributes:
        inputs_embeds: `(1, seq, d_model)`.
        context_start: First context position.
        spans: Per piece, `(start, end)` of its rows (marker included) in the sequence.
        marker_tokens: Context tokens spent on source markers.
        level_tokens: Context tokens per level (markers excluded).
    """

    inputs_embeds: torch.Tensor
    context_start: int
    spans: tuple[tuple[int, int], ...]
    marker_tokens: int
    level_tokens: dict[str, int]

    @property
    def prompt_tokens(self) -> int:
        return int(self.inputs_embeds.shape[1])

    @property
    def context_tokens(self) -> int:
        return self.marker_tokens + sum(self.level_tokens.values())


def assemble(model: Any, tokenizer: Any, parts: PromptParts, pieces: Sequence[Piece]) -> Assembled:
    """Concatenate prefix, pieces and suffix into `inputs_embeds` `(1, seq, d_model)`."""
    prefix = text_rows(model, tokenizer, parts.prefix, bos=True)  # (p, d)
    suffix = text_rows(model, tokenizer, parts.suffix)  # (s, d)
    rows, spans = [prefix], []
    position, markers, levels = prefix.shape[0], 0, {}
    for piece in pieces:
        marker = piece.marker.to(prefix.device, prefix.dtype)
        content = piece.content.to(prefix.device, prefix.dtype)
        rows.extend([marker, content])
        end = position + marker.shape[0] + content.shape[0]
        spans.append((position, end))
        position = end
        markers += marker.shape[0]
        levels[piece.level] = levels.get(piece.level, 0) + content.shape[0]
    rows.append(suffix)
    embeds = torch.cat(rows).unsqueeze(0)  # (1, seq, d)
    return Assembled(
        inputs_embeds=embeds,
        context_start=int(prefix.shape[0]),
        spans=tuple(spans),
        marker_tokens=int(markers),
        level_tokens={k: int(v) for k, v in levels.items()},
    )
