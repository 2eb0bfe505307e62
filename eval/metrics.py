"""Answer-quality metrics (SQuAD normalisation) and the cost measurements of one run."""

from __future__ import annotations

import collections
import math
import re
import statistics
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hyperword.memory import PeakMemory

__all__ = [
    "PairedDifference",
    "PeakMemory",
    "QualityScores",
    "contains_answer",
    "exact_match",
    "f1_score",
    "normalize_answer",
    "paired_difference",
    "score_answer",
]

_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCTUATION = set(string.punctuation)


def normalize_answer(text: str) -> str:
    """SQuAD v1.1 normalisation: lower case, no punctuation, no articles, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, answers: tuple[str, ...] | list[str]) -> float:
    """1.0 when the normalised prediction equals any normalised gold answer."""
    pred = normalize_answer(prediction)
    return float(any(pred == normalize_answer(gold) for gold in answers))


def f1_score(prediction: str, answers: tuple[str, ...] | list[str]) -> float:
    """Best token-overlap F1 against the gold answers (SQuAD v1.1 definition)."""
    return max((_f1(prediction, gold) for gold in answers), default=0.0)


def contains_answer(prediction: str, answers: tuple[str, ...] | list[str]) -> float:
    """1.0 when any normalised gold answer appears inside the normalised prediction."""
    pred = f" {normalize_answer(prediction)} "
    return float(any(f" {normalize_answer(gold)} " in pred for gold in answers if gold.strip()))


def _f1(prediction: str, gold: str) -> float:
    pred_tokens = normalize_answer(prediction).split()
    gold_tokens = normalize_answer(gold).split()
    if not pred_tokens or not gold_tokens:
        return float(pred_tokens == gold_tokens)
    common = collections.Counter(pred_tokens) & collections.Counter(gold_tokens)
    overlap = sum(common.values())
    if overlap == 0:
        return 0.0
    precision = overlap / len(pred_tokens)
    recall = overlap / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


@dataclass(frozen=True)
class QualityScores:
    em: float
    f1: float
    contains: float


def score_answer(prediction: str, answers: tuple[str, ...] | list[str]) -> QualityScores:
    return QualityScores(
        em=exact_match(prediction, answers),
        f1=f1_score(prediction, answers),
        contains=contains_answer(prediction, answers),
    )


@dataclass(frozen=True)
class PairedDifference:
    """`a - b` over the same questions: `mean` and its standard error `se` (the sample standard
    deviation of the per-question differences over sqrt(n); 0 for one question), in points."""

    mean: float
    se: float
    n: int

    def __str__(self) -> str:
        return f"{self.mean:+.1f} ± {self.se:.1f}"


def paired_difference(a: Mapping[Any, float], b: Mapping[Any, float]) -> PairedDifference:
    """Score `a` minus score `b`, paired per question over the ids both hold.

    `a`, `b`: question (example id) -> score in [0, 1] (F1, EM); the result is in points (x100). Two
    methods on the same questions differ by far less noise paired than their two means do.
    Raises `ValueError` when they share no question.
    """
    ids = sorted(set(a) & set(b))
    if not ids:
        raise ValueError("no question is scored in both: nothing to pair")
    diffs = [100 * (a[i] - b[i]) for i in ids]
    se = statistics.stdev(diffs) / math.sqrt(len(diffs)) if len(diffs) > 1 else 0.0
    return PairedDifference(statistics.fmean(diffs), se, len(diffs))
