"""Trainers that pick hyperwords: frequent base-id sequences that earn their own id.

Every trainer works on *id strings*: each base-token id mapped to one Unicode character
(`id_to_char`), one string per training line, so string tools (HF `tokenizers`, n-gram
counting) work over base ids and their merges may cross whitespace. A trainer returns the
chosen hyperwords as id strings of length >= 2 with their training frequency (used to break
ties when encoding). Register new trainers with `@register_trainer("name")`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from hyperword.registry import Registry
from hyperword.tokenizer.exceptions import TokenizerConfigError

__all__ = [
    "CHAR_OFFSET",
    "TRAINERS",
    "Hyperword",
    "char_to_id",
    "get_trainer",
    "id_to_char",
    "register_trainer",
    "train_bpe",
    "train_ngram",
]

# chr(0x10000 + id) is a valid code point for every id below 0x100000 (Gemma: 262,144 ids).
CHAR_OFFSET = 0x10000
MAX_BASE_VOCAB = 0x10FFFF - CHAR_OFFSET + 1


def id_to_char(base_id: int) -> str:
    """The one character that stands for a base-token id."""
    return chr(CHAR_OFFSET + base_id)


def char_to_id(char: str) -> int:
    """The base-token id a character stands for."""
    return ord(char) - CHAR_OFFSET


@dataclass(frozen=True)
class Hyperword:
    """A learned hyperword: its base ids as an id string, and how often training saw it."""

    chars: str
    frequency: int


Trainer = Callable[..., list[Hyperword]]
TRAINERS: Registry[Trainer] = Registry("trainer")


def register_trainer(name: str) -> Callable[[Trainer], Trainer]:
    """Register a trainer `fn(lines, *, num_hyperwords, documents, **options)`.

    The trainer returns a `list[Hyperword]`; `documents` gives each line's document index.
    """
    return TRAINERS.register(name)


def get_trainer(name: str) -> Trainer:
    """The trainer registered as `name` (`UnknownNameError` when there is none)."""
    return TRAINERS[name]


def _check_positive(name: str, value: int, minimum: int = 1) -> None:
    if value < minimum:
        raise TokenizerConfigError(f"{name} must be >= {minimum}, got {value}")


@register_trainer("ngram")
def train_ngram(
    lines: list[str],
    *,
    num_hyperwords: int,
    documents: list[int] | None = None,
    max_length: int = 8,
    min_frequency: int = 2,
    min_documents: int = 2,
    shrink: float = 0.5,
    fill_length: int = 3,
) -> list[Hyperword]:
    """Frequent n-grams of base ids, pruned by how much they save under min-token encoding.

    Every sequence of 2..`max_length` base ids seen at least `min_frequency` times, in at
    least `min_documents` documents (phrases of one document rarely help another), is a
    candidate. While there are more than `num_hyperwords`, the training lines are encoded with
    the current set (fewest tokens, `tokenizers` Unigram/Viterbi) and the `shrink` fraction
    that saves the most tokens there (uses x (length - 1)) is kept, as sentencepiece prunes
    its unigram vocabulary; unused candidates fill any slots left, most frequent first. If
    all candidates fit, the slots left go to the other n-grams of at most `fill_length` base
    ids, shortest and most frequent first (on held-out text they still save tokens).

    Args:
        lines: Training id strings, one per line or paragraph.
        num_hyperwords: How many hyperwords to keep at most.
        documents: The document index of each line; by default each line is a document.
        max_length: Longest hyperword, in base tokens.
        min_frequency: Fewest occurrences for a candidate.
        min_documents: Fewest distinct documents a candidate occurs in.
        shrink: Fraction of candidates kept per pruning round, in (0, 1).
        fill_length: Longest rare n-gram used to fill slots left (0: none).

    Returns:
        The hyperwords, most useful first.
    """
    _check_ngram_options(num_hyperwords, max_length, min_frequency, min_documents, shrink)
    if documents is None:
        documents = list(range(len(lines)))
    if len(documents) != len(lines):
        raise TokenizerConfigError(f"{len(documents)} document indices for {len(lines)} lines")
    counts, spread = _count_ngrams(lines, documents, max_length)
    candidates = {
        gram: freq
        for gram, freq in counts.items()
        if freq >= min_frequency and spread[gram] >= min_documents
    }
    ranked = sorted(candidates, key=lambda g: (-candidates[g] * (len(g) - 1), g))
    alphabet = sorted({char for line in lines for char in line})
    while len(ranked) > num_hyperwords:
        keep = max(num_hyperwords, int(len(ranked) * shrink))
        ranked = _prune(lines, alphabet, ranked, candidates, keep)
    if len(ranked) < num_hyperwords and fill_length >= 2:
        rare = sorted(
            (g for g in counts if g not in candidates and len(g) <= fill_length),
            key=lambda g: (len(g), -counts[g], g),
        )
        ranked += rare[: num_hyperwords - len(ranked)]
    return [Hyperword(gram, counts[gram]) for gram in ranked]


def _check_ngram_options(
    num_hyperwords: int, max_length: int, min_frequency: int, min_documents: int, shrink: float
) -> None:
    _check_positive("num_hyperwords", num_hyperwords, 0)
    _check_positive("max_length", max_length, 2)
    _check_positive("min_frequency", min_frequency)
    if not 0.0 < shrink < 1.0:
        raise TokenizerConfigError(f"shrink must be in (0, 1), got {shrink}")
    _check_positive("min_documents", min_documents)


def _count_ngrams(
    lines: list[str], documents: list[int], max_length: int
) -> tuple[Counter[str], Counter[str]]:
    """Occurrences of every n-gram of 2..`max_length` ids, and the documents it occurs in."""
    counts: Counter[str] = Counter()  # occurrences
    spread: Counter[str] = Counter()  # distinct documents
    seen: set[str] = set()
    for k, line in enumerate(lines):
        if k and documents[k] != documents[k - 1]:
            spread.update(seen)
            seen = set()
        grams = [
            line[start:end]
            for start in range(len(line) - 1)
            for end in range(start + 2, min(len(line), start + max_length) + 1)
        ]
        counts.update(grams)
        seen.update(grams)
    spread.update(seen)
    return counts, spread


def _prune(
    lines: list[str],
    alphabet: list[str],
    ranked: list[str],
    frequency: dict[str, int],
    keep: int,
) -> list[str]:
    """The `keep` candidates that save the most tokens when the lines are encoded with all."""
    from hyperword.tokenizer.viterbi import build_viterbi

    model = build_viterbi(alphabet + ranked, [0] * len(alphabet) + [frequency[g] for g in ranked])
    uses: Counter[str] = Counter()
    for encoding in model.encode_batch(lines):
        uses.update(token for token in encoding.tokens if len(token) > 1)
    used = sorted(uses, key=lambda g: (-uses[g] * (len(g) - 1), g))
    unused = [g for g in ranked if g not in uses]  # already ranked by frequency x savings
    return (used + unused)[:keep]


@register_trainer("bpe")
def train_bpe(
    lines: list[str],
    *,
    num_hyperwords: int,
    documents: list[int] | None = None,
    min_frequency: int = 2,
) -> list[Hyperword]:
    """Byte-pair merges over base ids with HF `tokenizers` (no pre-tokenizer: merges cross
    whitespace). Every merged token becomes a hyperword.

    Args:
        lines: Training id strings, one per line or paragraph.
        num_hyperwords: How many merges to learn at most.
        documents: Ignored (the BPE trainer counts pairs over all lines).
        min_frequency: Fewest occurrences for a merge.

    Returns:
        The hyperwords in merge order.
    """
    from tokenizers import Tokenizer, models, trainers

    _check_positive("num_hyperwords", num_hyperwords, 0)
    _check_positive("min_frequency", min_frequency)
    alphabet = sorted({char for line in lines for char in line})
    tokenizer = Tokenizer(models.BPE())
    trainer = trainers.BpeTrainer(
        vocab_size=len(alphabet) + num_hyperwords,
        initial_alphabet=alphabet,
        min_frequency=min_frequency,
        show_progress=False,
    )
    tokenizer.train_from_iterator(lines, trainer=trainer)
    vocab = tokenizer.get_vocab()
    merged = sorted((token for token in vocab if len(token) > 1), key=vocab.__getitem__)
    frequency: Counter[str] = Counter()
    for encoding in tokenizer.encode_batch(lines):
        frequency.update(token for token in encoding.tokens if len(token) > 1)
    return [Hyperword(token, frequency[token]) for token in merged[:num_hyperwords]]
