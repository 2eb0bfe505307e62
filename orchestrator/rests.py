"""The rest of an excerpted chunk as soft tokens, in the room its excerpt left unused.

An excerpt keeps whole sentences, so it usually ends some tokens under the room the plan
gave it (on squad-distractor-20, 25 of 128 context positions went unused on average,
docs/orchestrator.md). The sentences it left out can go there as soft tokens: encoded on
reading at the level the policy picks (`Policy.rest_level`: the default policy's
`rest_view` takes the richest soft level that fits), right after their excerpt, as a
source of their own (`CompressedSource.rest`). Without a soft level, or with no excerpt,
the plan is unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from hyperword.levels import LEVELS, LevelParts
from hyperword.levels.soft import SoftLevel
from orchestrator.assembly import MarkerStyle
from orchestrator.extractive import SentenceScorer
from orchestrator.planner import Candidate
from orchestrator.policy import Policy

__all__ = ["Excerpts", "add_rests"]


@dataclass
class Excerpts:
    """`SentenceScorer.excerpt` as the `Excerpt` callable planning reads, remembering the
    rest of each text it cut (`rests`: text -> the sentences left out)."""

    scorer: SentenceScorer
    tokenizer: Any
    rests: dict[str, str] = field(default_factory=dict)

    def __call__(self, text: str, keep: int) -> list[int]:
        ids, rest = self.scorer.excerpt_rest(self.tokenizer, text, keep)
        self.rests[text] = rest
        return ids


def add_rests(
    sources: Sequence[Any],
    candidates: Sequence[Candidate],
    *,
    excerpts: Excerpts | None,
    parts: LevelParts,
    levels: Sequence[str],
    policy: Policy,
    markers: MarkerStyle,
    budget: int,
) -> tuple[Any, ...]:
    """`sources` (`CompressedSource`s, context order) with the rest of each excerpt after it,
    while the policy finds a level for it in the tokens left under `budget`; renumbered."""
    soft = [name for name in levels if isinstance(LEVELS[name], SoftLevel)]
    if excerpts is None or not soft:
        return tuple(sources)
    room = budget - sum(source.tokens for source in sources)
    out = []
    for source in sources:
        out.append(source)
        candidate = candidates[source.index]
        rest = excerpts.rests.get(candidate.hit.text, "") if source.excerpt else ""
        if not rest:
            continue
        ids = tuple(parts.tokenizer(rest, add_special_tokens=False).input_ids)
        content = {name: LEVELS[name].cost(ids, None) for name in soft}
        level = policy.rest_level({k: v + candidate.marker for k, v in content.items()}, room=room)
        if level is None:
            continue
        tokens = markers.tokens(parts.tokenizer, source.n) + content[level]
        view = dict(level=level, text=rest, value=None, base_ids=ids, tokens=tokens)
        out.append(replace(source, **view, cut=True, excerpt=False, rest=True))
        room -= content[level] + candidate.marker
    numbered = _renumbered(out, parts, markers)
    fits = sum(source.tokens for source in numbered) <= budget
    return numbered if fits else tuple(sources)


def _renumbered(sources: Sequence[Any], parts: LevelParts, markers: MarkerStyle) -> tuple:
    """`sources` numbered 1.. in order, each one's tokens counting its new marker."""
    out = []
    for n, source in enumerate(sources, start=1):
        content = source.tokens - markers.tokens(parts.tokenizer, source.n)
        out.append(replace(source, n=n, tokens=markers.tokens(parts.tokenizer, n) + content))
    return tuple(out)
