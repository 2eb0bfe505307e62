from __future__ import annotations

import pytest
import torch

from eval.metrics import (
    PeakMemory,
    contains_answer,
    exact_match,
    f1_score,
    normalize_answer,
    score_answer,
)


def test_squad_normalisation():
    assert normalize_answer("The  Pellory Islands!") == "pellory islands"
    assert normalize_answer("an Apple, a pear") == "apple pear"


@pytest.mark.parametrize(
    ("prediction", "answers", "em", "f1"),
    [
        ("Marisol Dutrane", ("Marisol Dutrane",), 1.0, 1.0),
        ("Dutrane", ("Marisol Dutrane",), 0.0, 2 / 3),
        ("with salted plums", ("salted plums",), 0.0, 0.8),
        ("nothing", ("salted plums",), 0.0, 0.0),
        ("", ("salted plums",), 0.0, 0.0),
        ("Tallimar", ("Oslo", "the Tallimar"), 1.0, 1.0),
    ],
)
def test_em_and_f1(prediction, answers, em, f1):
    assert exact_match(prediction, answers) == em
    assert f1_score(prediction, answers) == pytest.approx(f1)


def test_contains_matches_whole_words_only():
    assert contains_answer("It is in Tallimar, Norway", ("Tallimar",)) == 1.0
    assert contains_answer("Tallimarsh", ("Tallimar",)) == 0.0
    assert contains_answer("anything", ("",)) == 0.0


def test_score_answer_bundles_the_three():
    scores = score_answer("the Pellory Islands", ("Pellory Islands",))
    assert (scores.em, scores.f1, scores.contains) == (1.0, 1.0, 1.0)


def test_peak_memory_sees_a_large_allocation_on_cpu():
    with PeakMemory("cpu") as small:
        pass
    with PeakMemory("cpu") as large:
        block = torch.ones(64 * 2**20 // 4)  # 64 MiB, touched
        del block
    assert large.peak_bytes > 0
    if large.reset:  # per-block peaks: the block with the allocation peaks higher
        assert large.peak_bytes >= small.peak_bytes + 32 * 2**20
