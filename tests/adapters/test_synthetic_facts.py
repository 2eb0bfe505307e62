"""Invented-fact passages: seeded, several facts each, answers stated in the passage."""

from __future__ import annotations

import random

from adapters.synthetic_facts import FACTS, invented_fact_item


def test_items_are_seeded_and_varied():
    first = [invented_fact_item(random.Random(seed)) for seed in range(50)]
    again = [invented_fact_item(random.Random(seed)) for seed in range(50)]
    assert first == again
    assert len({item.context for item in first}) == 50
    assert len({item.question.split()[0] for item in first}) >= 4  # who/what/where/when...


def test_the_answer_is_in_the_passage_and_not_in_the_question():
    rng = random.Random(1)
    for _ in range(300):
        item = invented_fact_item(rng)
        (answer,) = item.answers
        assert answer in item.context
        assert answer not in item.question
        assert 3 <= item.context.count(". ") + 1 <= 6


def test_every_fact_template_names_its_answer_slots():
    for sentence, questions in FACTS:
        for question, slot in questions:
            assert "{" + slot + "}" in sentence
            assert "{" + slot + "}" not in question
