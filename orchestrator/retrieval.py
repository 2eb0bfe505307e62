"""Candidate retrieval: one round from the question, or two rounds for multi-hop questions.

The first round searches the question in the store's search `mode` (hybrid by default:
dense and BM25 rankings fused, `mnemonic.hybrid`). With `hops=2` a second round looks for
the documents the question needs but does not name:

- on a store with links (`store.has_links`) and `follow_links` on, the first round's best
  chunks' bridge entities are followed through the link table (`orchestrator.linked`);
- otherwise, the bridge sentence is searched (below);
- a comparison question ("Which is older, A or B?") also gets the best chunk of each entity
  it compares (`linked.lookup_compared`).

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
from orchestrator.linked import compared_entities, follow_links, lookup_compared

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
    mode: str | None = None,
    links: bool = True,
) -> list[tuple[Any, int]]:
    """At most `k` `(hit, hop)` pairs for `question`, best first (see the module docstring).

    Args:
        store: A `MnemonicStore`.
        question: The question.
        k: Chunks wanted.
        where: A LanceDB filter on chunk columns.
        hops: 1, or 2 to also look up what the first round's best hits name.
        levels: Levels whose stored values come back with the hits (`Hit.stored`).
        vector: The question's retrieval vector, when already embedded (else embedded here).
        scorer: Scores sentences against the question (finds the bridge sentence).
        mode: The search mode (`mnemonic.hybrid.SEARCH_MODES`; None: hybrid).
        links: Follow the store's links for the second round when it has them (else the
            bridge sentence is searched).
    """
    if vector is None:
        vector = store.embed([question])[0]
    search = {"where": where, "levels": levels, "mode": mode}
    first = store.search_by_vector(vector, k=k, text=question, **search)
    if hops < 2 or not first:
        return [(hit, 1) for hit in first]
    second = []
    compared = compared_entities(question)
    if compared:
        second += lookup_compared(store, compared, vector=vector, **search)
    if links and getattr(store, "has_links", False):
        second += follow_links(store, question, first, k=k, vector=vector, **search)
    else:
        second += _bridge_round(store, question, first, k=k, vector=vector, scorer=scorer, **search)
    return interleave_hops(first, second, k=k)


def _bridge_round(
    store: Any,
    question: str,
    first: list[Any],
    *,
    k: int,
    vector: np.ndarray,
    scorer: SentenceScorer | None,
    **search: Any,
) -> list[Any]:
    """The hits of the best first-round hit's bridge sentence, less the question's words."""
    scorer = scorer or SentenceScorer(question, store.embed, question_vector=vector)
    bridge = scorer.best_sentence(first[0].text)
    query = bridge_query(question, bridge) if bridge else None
    return store.search(query, k=k, **search) if query else []


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
    second = [hit for hit in second if hit.id != first[0].id]  # a hop can find the first
    for later_second, later_first in zip_longest(second, first[1:]):
        take(later_second, 2)
        take(later_first, 1)
    return merged[:k]
