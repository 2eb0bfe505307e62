"""The encoder probe's passage swap: every question gets a passage other than its own."""

from __future__ import annotations

import pytest

from adapters.encoder_data import QaItem
from eval.benchmarks.bench_encoder_probe import wrong_passages


def test_wrong_passages_never_give_a_question_its_own_passage():
    items = [QaItem(f"passage {i % 3}", f"question {i}", ("a",)) for i in range(9)]
    wrong = wrong_passages(items, seed=1)
    assert len(wrong) == len(items)
    assert all(w != item.context for w, item in zip(wrong, items, strict=True))
    assert wrong == wrong_passages(items, seed=1)  # seeded
    assert set(wrong) <= {item.context for item in items}


def test_one_shared_passage_cannot_be_swapped():
    items = [QaItem("the only passage", f"question {i}", ("a",)) for i in range(3)]
    with pytest.raises(ValueError, match="nothing to swap"):
        wrong_passages(items)
