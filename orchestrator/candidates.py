"""Retrieved chunks costed at every level: the `Candidate`s a policy plans over, and their rows.

Stored level values come with the search hits (`Hit.stored`, read in the same query); a
chunk whose stored value is missing or not valid for the loaded tokenizer or encoder is
encoded here (`Level.valid`, `Level.encode`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hyperword.levels import LEVELS, Excerpt, Level, LevelParts
from orchestrator.planner import Candidate

__all__ = ["candidate_rows", "cost_candidates"]


def cost_candidates(
    found: Sequence[tuple[Any, int]], *, levels: Sequence[str], parts: LevelParts, marker: int
) -> list[Candidate]:
    """A `Candidate` per `(hit, hop)`, best first, costed at `levels` (marker included).

    Args:
        found: Search hits with the retrieval round that found each (`retrieve`).
        levels: Levels to cost (available ones).
        parts: What the levels read with.
        marker: Context tokens of the longest source marker.
    """
    hits = [hit for hit, _ in found]
    texts = [hit.text for hit in hits]
    base = parts.tokenizer(texts, add_special_tokens=False).input_ids if texts else []
    values = {name: _values(LEVELS[name], hits, base, parts) for name in levels}
    return [
        Candidate(
            index=i,
            doc_id=hit.doc_id,
            score=float(hit.score),
            costs={name: LEVELS[name].cost(base[i], values[name][i]) + marker for name in levels},
            marker=marker,
            hit=hit,
            hop=hop,
            base_ids=tuple(base[i]),
            values={name: values[name][i] for name in levels},
        )
        for i, (hit, hop) in enumerate(found)
    ]


def _values(level: Level, hits: Sequence[Any], base: Sequence[Sequence[int]], parts) -> list:
    """Each hit's value at `level`: its stored one when valid, else encoded here."""
    values = [getattr(hit, "stored", {}).get(level.name) for hit in hits]
    missing = [i for i, value in enumerate(values) if not level.valid(value, base[i], parts)]
    if missing:
        encoded = level.encode([hits[i].text for i in missing], parts)
        for i, value in zip(missing, encoded, strict=True):
            values[i] = value
    return values


def candidate_rows(
    candidate: Candidate,
    level: str,
    parts: LevelParts,
    *,
    keep: int | None = None,
    excerpt: Excerpt | None = None,
) -> Any:
    """Embedding rows of `candidate` at `level`: `(cost - marker, d_model)`, or `keep` of them
    for a cut (a prefix, or with `excerpt` the sentences nearest the question)."""
    value = candidate.values.get(level)
    text = candidate.hit.text
    return LEVELS[level].rows(text, candidate.base_ids, value, parts, keep=keep, excerpt=excerpt)
