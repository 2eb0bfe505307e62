"""Answer-quality metrics (SQuAD normalisation) and the cost measurements of one run."""

from __future__ import annotations

import collections
import re
import string
from dataclasses import dataclass

from hyperword.memory import PeakMemory

__all__ = [
    "PeakMemory",
    "QualityScores",
    "contains_answer",
    "exact_match",
    "f1_score",
    "normalize_answer",
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
