"""Link-following retrieval: the second hop walks the store's link table.

A bridge question ("2014 S/S is the debut album of a group formed by who?") names one
document; that document names the next ("... of South Korean group WINNER"), which the
question does not. On a store with links (`mnemonic.links`), `follow_links` takes the names
and titles of the first round's best `LINK_SEEDS` chunks that the question does not name
already (the *bridge entities*), looks up the chunks that name them too, and ranks those
neighbours by the score of the seed that links them (a link from the best hit counts most)
plus their own score against the question (cosine similarity plus the share of the
question's content words they hold, as `SentenceScorer` scores sentences).

A comparison question ("Who is older, Annie Morton or Terry Richardson?", "Are X and Y both
...?") needs one document per entity it compares: `compared_entities` finds them (two or
more names in a question that says "or", "both", "same", "either" or "neither") and
`lookup_compared` searches each one's name, so both documents are fetched even when the
question's wording favours one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from mnemonic.entities import LINKING_KINDS, entity_key, extract_entities
from orchestrator.extractive import LEXICAL_WEIGHT, content_words, word_overlap

__all__ = [
    "LINKED_MAX",
    "LINK_SEEDS",
    "bridge_entities",
    "compared_entities",
    "follow_links",
    "lookup_compared",
]

LINK_SEEDS = 2  # first-round hits whose links are followed
LINKED_MAX = 4  # neighbours kept (each goes in without the first round's score threshold)
_COMPARISON = re.compile(r"\b(?:or|both|same|either|neither)\b", re.IGNORECASE)


def _named(key: str, question_key: str) -> bool:
    """Whether the question names `key` (as whole words, or every word of it)."""
    if f" {key} " in f" {question_key} ":
        return True
    return set(key.split()) <= set(question_key.split())


def bridge_entities(question: str, entities: Sequence[Any]) -> list[str]:
    """Keys of the names and titles among `entities` that `question` does not name."""
    question_key = entity_key(question)
    keys = []
    for entity in entities:
        if entity.kind in LINKING_KINDS and not _named(entity.key, question_key):
            keys.append(entity.key)
    return list(dict.fromkeys(keys))


def follow_links(
    store: Any,
    question: str,
    first: Sequence[Any],
    *,
    k: int,
    vector: np.ndarray,
    where: str | None = None,
    levels: Sequence[str] = (),
    mode: str | None = None,
) -> list[Any]:
    """Chunks linked to the first round's best hits by a bridge entity, best first.

    Args:
        store: A `MnemonicStore` with links (`store.has_links`).
        question: The question.
        first: The first round's hits, best first.
        k: At most this many.
        vector: The question's retrieval vector.
        where: A LanceDB filter the neighbours must pass too.
        levels: Levels whose stored values come back with the hits.
        mode: The first round's search mode (unused: links are looked up, not searched).
    """
    seeds = list(first[:LINK_SEEDS])
    entities = store.entities([hit.id for hit in seeds])
    via: dict[str, float] = {}  # bridge entity -> the best score of a seed naming it
    for seed in seeds:
        for key in bridge_entities(question, entities[seed.id]):
            via[key] = max(via.get(key, -1.0), seed.score)
    if not via:
        return []
    seed_ids = {hit.id for hit in seeds}
    naming = store.chunks_naming(list(via))
    linked = [cid for cid in naming if cid not in seed_ids]
    hits = store.hits_by_id(linked, vector, where=where, levels=levels)
    words = content_words(question)

    def score(hit: Any) -> float:
        seed = max(via[key] for key in naming[hit.id]["keys"])
        return seed + hit.score + LEXICAL_WEIGHT * word_overlap(words, hit.text)

    return sorted(hits, key=lambda hit: -score(hit))[: min(k, LINKED_MAX)]


def compared_entities(question: str) -> list[str]:
    """The names a comparison question compares (empty when it is not one)."""
    if not _COMPARISON.search(question):
        return []
    names = [e.text for e in extract_entities(question) if e.kind in ("name", "quoted")]
    return names if len(names) >= 2 else []


def lookup_compared(
    store: Any,
    names: Sequence[str],
    *,
    vector: np.ndarray,
    where: str | None = None,
    levels: Sequence[str] = (),
    mode: str | None = None,
) -> list[Any]:
    """The best chunk for each compared name, in the order named, each chunk once; scored
    (`Hit.score`) by cosine similarity to the question (`vector`) like every other hit."""
    ids: list[str] = []
    for name in names:
        for hit in store.search(name, k=2, where=where, mode=mode or "hybrid"):
            if hit.id not in ids:
                ids.append(hit.id)
                break
    by_id = {hit.id: hit for hit in store.hits_by_id(ids, vector, where=where, levels=levels)}
    return [by_id[i] for i in ids if i in by_id]
