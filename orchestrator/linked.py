"""Link-following retrieval: the second hop walks the store's link table.

A bridge question ("2014 S/S is the debut album of a group formed by who?") names one
document; that document names the next ("... of South Korean group WINNER"), which the
question does not. On a store with links (`mnemonic.links`), `follow_links` takes the names
and titles of the first round's best `LINK_SEEDS` chunks that the question does not name
already (the *bridge entities*), looks up the chunks that name them too, and ranks those
neighbours by the score of the seed that links them (a link from the best hit counts most),
plus `TITLE_WEIGHT` when the bridge entity is the neighbour's own title (the seed names
what the neighbour is about: "WINNER" -> "Winner (band)"), plus their own score against the
question (cosine similarity plus the share of the
question's content words they hold, as `SentenceScorer` scores sentences).

A comparison question ("Who is older, Annie Morton or Terry Richardson?", "Are X and Y both
...?") needs one document per entity it compares: `compared_entities` finds them (two or
more names in a question that says "or", "both", "same", "either" or "neither") and
`lookup_compared` fetches each one's document: the one titled with the name when the link
table knows it, else the best hit of a search for the name; so both documents are fetched
even when the question's wording favours one.
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
TITLE_WEIGHT = 1.0  # added when the bridge entity is the neighbour's own title
SEED_DECAY = 0.0  # taken off a link's weight per rank of the seed it comes from
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
    via: dict[str, dict[str, float]] = {}  # bridge entity -> {seed id: the seed's weight}
    for rank, seed in enumerate(seeds):
        for key in bridge_entities(question, entities[seed.id]):
            via.setdefault(key, {})[seed.id] = seed.score - SEED_DECAY * rank
    if not via:
        return []
    naming = store.chunks_naming(list(via))
    links = {cid: _link_weight(cid, entry, via) for cid, entry in naming.items()}
    linked = [cid for cid, weight in links.items() if weight is not None]
    hits = store.hits_by_id(linked, vector, where=where, levels=levels)
    words = content_words(question)

    def score(hit: Any) -> float:
        return links[hit.id] + hit.score + LEXICAL_WEIGHT * word_overlap(words, hit.text)

    return sorted(hits, key=lambda hit: -score(hit))[: min(k, LINKED_MAX)]


def _link_weight(
    chunk_id: str, entry: dict[str, Any], via: dict[str, dict[str, float]]
) -> float | None:
    """A linked chunk's best seed weight from another chunk, plus `TITLE_WEIGHT` when that
    link is the chunk's own title; None when only the chunk itself names its keys."""
    best = None
    for key in entry["keys"]:
        for seed_id, weight in via[key].items():
            if seed_id != chunk_id:
                weight += TITLE_WEIGHT if key in entry["titles"] else 0.0
                best = weight if best is None else max(best, weight)
    return best


def _titled(store: Any, name: str) -> list[str]:
    """Chunks of the documents titled `name` (by the link table)."""
    key = entity_key(name)
    naming = store.chunks_naming([key])
    return [cid for cid, entry in naming.items() if key in entry["titles"]]


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
        titled = _titled(store, name) if getattr(store, "has_links", False) else []
        searched = [hit.id for hit in store.search(name, k=2, where=where, mode=mode)]
        for chunk_id in [*titled, *searched]:
            if chunk_id not in ids:
                ids.append(chunk_id)
                break
    by_id = {hit.id: hit for hit in store.hits_by_id(ids, vector, where=where, levels=levels)}
    return [by_id[i] for i in ids if i in by_id]
