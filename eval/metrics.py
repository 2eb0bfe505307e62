"""Answer-quality metrics (SQuAD normalisation) and the cost measurements of one run."""

from __future__ import annotations

import collections
import re
import string
from dataclasses import dataclass
from pathlib import Path

import torch

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


class PeakMemory:
    """Peak memory of a block: CUDA `max_memory_allocated`, else the resident-set high-water mark.

    On Linux the RSS high-water mark is reset per block (`/proc/self/clear_refs`, value 5), so
    the number is the peak of this block, not of the whole process; where that is not
    permitted it is the process peak so far (`reset` says which).
    """

    def __init__(self, device: torch.device | str):
        self.device = torch.device(device)
        self.peak_bytes = 0
        self.reset = False

    def __enter__(self) -> PeakMemory:
        if self.device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(self.device)
            self.reset = True
        else:
            self.reset = _reset_rss_peak()
        return self

    def __exit__(self, *exc) -> None:
        if self.device.type == "cuda":
            self.peak_bytes = int(torch.cuda.max_memory_allocated(self.device))
        else:
            self.peak_bytes = _rss_peak_bytes()


def _reset_rss_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _rss_peak_bytes() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024
