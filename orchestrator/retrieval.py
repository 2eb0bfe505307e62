"""Candidate retrieval: one round from the question, or two rounds for bridge questions.

A two-hop question ("where was the designer of the Lutri Bridge born?") names one document
(the bridge's) whose text names the next ("... designed by Zolu Ovaith"); the question alone
rarely retrieves that second one. With `hops=2`, the sentence of the best first-round hit
nearest the question (its *bridge sentence*, `SentenceScorer.best_sentence`), less the words the
question already has (`bridge_query`: "Zolu Ovaith"), is searched as well, and the two
rankings are interleaved: the best first-round hit, then alternately the next new second-round
hit and the next first-round hit, each chunk once.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import zip_longest
from typing import Any

import numpy as np

from orchestrator.extractive import SentenceScorer, bridge_query

__all__ = ["interleave_hops", "retrieve"]


def retrieve(
    store: Any,
    question: str,
    *,
    k: int,
    where: str | None = None,
    hops: int = 1,
    levels: Sequence[str] = (),
    vector: np.ndarray | None = None,
    scorer: SentenceScorer | None = None,
) -> list[tuple[Any, int]]:
    """At most `k` `(hit, hop)` pairs for `question`, best first (see the module docstring).

    Args:
        store: A `MnemonicStore`.
        question: The question.
        k: Chunks wanted.
        where: A LanceDB filter on chunk columns.
        hops: 1, or 2 to also search the best hit's bridge sentence.
        levels: Levels whose stored values come back with the hits (`Hit.stored`).
        vector: The question's retrieval vector, when already embedded (else embedded here).
        scorer: Scores sentences against the question (finds the bridge sentence).
    """
    if vector is None:
        vector = store.embed([question])[0]
    first = store.search_by_vector(vector, k=k, where=where, levels=levels)
    if hops < 2 or not first:
        return [(hit, 1) for hit in first]
    scorer = scorer or SentenceScorer(question, store.embed, question_vector=vector)
    bridge = scorer.best_sentence(first[0].text)
    query = bridge_query(question, bridge) if bridge else None
    second = store.search(query, k=k, where=where, levels=levels) if query else []
    return interleave_hops(first, second, k=k)


def interleave_hops(first: list[Any], second: list[Any], *, k: int) -> list[tuple[Any, int]]:
    """`first[0]`, then the rest of `second` and `first[1:]` alternately; each chunk once."""
    merged: list[tuple[Any, int]] = []
    seen: set[str] = set()
    if not first:
        return merged

    def take(hit: Any, hop: int) -> None:
        if hit is not None and hit.id not in seen:
            seen.add(hit.id)
            merged.append((hit, hop))

    take(first[0], 1)
    second = [hit for hit in second if hit.id != first[0].id]  # the bridge finds its own chunk
    for later_second, later_first in zip_longest(second, first[1:]):
        take(later_second, 2)
        take(later_first, 1)
    return merged[:k]
