"""Candidate retrieval: one round from the question, or two rounds for bridge questions.

A two-hop question ("where was the designer of the Lutri Bridge born?") names one document
(the bridge's) whose text names the next ("... designed by Zolu Ovaith"); the question alone
rarely retrieves that second one. With `hops=2`, the sentence of the best first-round hit
nearest the question (its *bridge sentence*, `Focus.best_sentence`), less the words the
question already has (`bridge_query`: "Zolu Ovaith"), is searched as well, and the two
rankings are interleaved: the best first-round hit, then alternately the next new second-round
hit and the next first-round hit, each chunk once.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import zip_longest
from typing import Any

from orchestrator.focus import Focus, bridge_query

__all__ = ["Found", "interleave_hops", "retrieve"]


@dataclass(frozen=True)
class Found:
    """A retrieved chunk and the round that found it (1: the question, 2: a bridge sentence)."""

    hit: Any
    hop: int = 1


def retrieve(
    store: Any, question: str, *, k: int, where: str | None = None, hops: int = 1
) -> list[Found]:
    """At most `k` chunks for `question`, best first (see the module docstring for `hops`)."""
    first = store.search(question, k=k, where=where)
    if hops < 2 or not first:
        return [Found(hit) for hit in first]
    bridge = Focus(question, store.embed).best_sentence(first[0].text)
    query = bridge_query(question, bridge) if bridge else None
    second = store.search(query, k=k, where=where) if query else []
    return interleave_hops(first, second, k=k)


def interleave_hops(first: list[Any], second: list[Any], *, k: int) -> list[Found]:
    """`first[0]`, then the rest of `second` and `first[1:]` alternately; each chunk once."""
    merged: list[Found] = []
    seen: set[str] = set()
    if not first:
        return merged

    def take(hit: Any, hop: int) -> None:
        if hit is not None and hit.id not in seen:
            seen.add(hit.id)
            merged.append(Found(hit, hop))

    take(first[0], 1)
    second = [hit for hit in second if hit.id != first[0].id]  # the bridge finds its own chunk
    for later_second, later_first in zip_longest(second, first[1:]):
        take(later_second, 2)
        take(later_first, 1)
    return merged[:k]
