"""Sentences, segments and word boundaries in any script.

Sentence ends come from `sentencex` (Wikimedia's rule-based segmenter for ~300 languages,
a Rust extension), run with its English rules: they know Latin abbreviations (`Dr.`, `e.g.`,
`J. R.`, `p.m.`) and the full stops of other scripts (`。！？` in Chinese and Japanese, the
Devanagari danda `।`, the Arabic question mark `؟`). A line break always ends a unit too, so
lists, tables, code and JSON lines are units of their own. Measured on the passages of
`tests/hyperword/test_sentences.py`: pysbd's English rules miss the danda and `؟`, blingfire
misses the danda, ICU's sentence iterator splits after `Dr.`; sentencex gets all of them.

A *segment* is a smaller unit for text with no sentence ends (a JSON object, a table row):
a sentence split after `,` `;` `|` or a tab.

A cut *on a word boundary* never splits a run of letters or digits (`90210`, `Brask`), a
number with its separators (`4.50`, `1,000`) or a letter from its combining marks; between
two characters of a script written without spaces (Chinese, Japanese) any cut is a boundary.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

__all__ = [
    "is_word_boundary",
    "segment_spans",
    "sentence_spans",
    "split_sentences",
    "word_boundary_cut",
]

LANGUAGE = "en"  # sentencex's rules; the other scripts' full stops are in every language's set
_SEGMENT_END = re.compile(r"[,;|\t]+\s*")
_NUMBER_SEPARATORS = ".,:"


def _line_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in re.finditer(r"\n+", text):
        spans.append((start, match.end()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """`(start, end)` of each sentence (line breaks end one too), covering `text` in order.

    A span keeps its trailing whitespace, so `"".join` of the spans gives `text` back.
    """
    import sentencex

    spans = []
    for start, end in _line_spans(text):
        line = text[start:end]
        found = sentencex.get_sentence_boundaries(LANGUAGE, line) if line.strip() else []
        if not found:
            spans.append((start, end))
            continue
        cursor = start
        for item in found:
            stop = start + int(item["end_index"])
            if stop > cursor:
                spans.append((cursor, stop))
                cursor = stop
        if cursor < end:  # what the segmenter left out (trailing whitespace) joins the last
            spans[-1] = (spans[-1][0], end)
    return spans


def split_sentences(text: str) -> list[str]:
    """The sentences of `text` (see `sentence_spans`), stripped, empty ones left out."""
    pieces = (text[start:end].strip() for start, end in sentence_spans(text))
    return [piece for piece in pieces if piece]


def segment_spans(text: str) -> list[tuple[int, int]]:
    """`(start, end)` of each segment of `text`: split after `, ; |` or a tab (see above)."""
    spans, start = [], 0
    for match in _SEGMENT_END.finditer(text):
        if match.end() > start:
            spans.append((start, match.end()))
            start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def _in_word(char: str) -> bool:
    """A letter, digit or mark of a script written with spaces between words."""
    category = unicodedata.category(char)
    if not (char.isalnum() or category.startswith("M")):
        return False
    return unicodedata.east_asian_width(char) not in ("W", "F")


def is_word_boundary(text: str, position: int) -> bool:
    """Whether cutting `text` at `position` leaves every word and number whole."""
    if position <= 0 or position >= len(text):
        return True
    before, after = text[position - 1], text[position]
    if unicodedata.category(after).startswith("M"):
        return False  # a letter's combining mark (Devanagari vowel signs, accents)
    if before.isdigit() and after.isdigit():
        return False
    if _in_word(before) and _in_word(after):
        return False
    if before in _NUMBER_SEPARATORS and after.isdigit():  # 4.|50
        return not (position >= 2 and text[position - 2].isdigit())
    if after in _NUMBER_SEPARATORS and before.isdigit():  # 4|.50
        return not (position + 1 < len(text) and text[position + 1].isdigit())
    return True


def _offsets(tokenizer: Any, text: str, n_ids: int) -> list[tuple[int, int]] | None:
    try:
        encoding = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    except (NotImplementedError, ValueError, TypeError):  # a slow tokenizer has no offsets
        return None
    offsets = [tuple(pair) for pair in encoding["offset_mapping"]]
    return offsets if len(offsets) == n_ids else None


def word_boundary_cut(
    tokenizer: Any, text: str, ids: Sequence[int], keep: int, *, lengths: Sequence[int] = ()
) -> int:
    """How many of `ids` to keep, at most `keep`, so that the cut is on a word boundary.

    Args:
        tokenizer: The base tokenizer `ids` (or the base ids under them) came from.
        text: The text those base ids tokenize.
        ids: Token ids of `text` (base ids; or hyperword ids with `lengths`).
        keep: The most that may be kept.
        lengths: For ids that each stand for several base tokens (hyperword ids): how many.

    Returns:
        The largest count `j <= keep` ending on a boundary; 0 when the first `keep` ids hold
        no boundary at all (a single word or number longer than the room).
    """
    if keep >= len(ids):
        return len(ids)
    base_ends = list(_cumulative(lengths)) if lengths else list(range(1, len(ids) + 1))
    offsets = _offsets(tokenizer, text, base_ends[-1] if base_ends else 0)
    if offsets is None:  # no character offsets: the plain prefix
        return keep
    for j in range(keep, 0, -1):
        last = base_ends[j - 1]  # base tokens kept
        end = offsets[last - 1][1]
        next_start = offsets[last][0] if last < len(offsets) else len(text)
        if next_start >= end and is_word_boundary(text, end):
            return j
    return 0


def _cumulative(lengths: Sequence[int]):
    total = 0
    for length in lengths:
        total += length
        yield total
