"""What a planning policy sees (`Candidate`) and returns (`Selection`), and the checked `Plan`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hyperword.levels import LEVELS
from orchestrator.exceptions import PolicyError

__all__ = ["Candidate", "Plan", "Selection", "check_plan"]


@dataclass(frozen=True)
class Candidate:
    """One retrieved chunk, costed at each available level (`orchestrator.candidates`).

    A policy reads `index`, `doc_id`, `score`, `costs` and `marker`; assembly and the report
    read the rest.

    Attributes:
        index: Its rank in retrieval order (0 = most similar).
        doc_id: The document it comes from.
        score: Cosine similarity to the question.
        costs: Context tokens it takes at each level it is available at, its source
            marker included.
        marker: Tokens of its source marker alone (a cut source keeps `limit - marker`
            tokens).
        hit: The store's search hit.
        hop: The retrieval round that found it (2: from a first-round hit's bridge sentence).
        base_ids: Its text in base-model tokens (no special tokens).
        values: Per costed level, its value (`Level.encode`: hyperword ids, stored soft
            vectors, or None when computed on reading).
    """

    index: int
    doc_id: str
    score: float
    costs: Mapping[str, int]
    marker: int = 0
    hit: Any = field(default=None, repr=False, compare=False)
    hop: int = 1
    base_ids: tuple[int, ...] = field(default=(), repr=False, compare=False)
    values: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class Selection:
    """A candidate taken into the context at one level.

    Attributes:
        index: The candidate's `index`.
        level: One of the candidate's available levels.
        limit: For cuttable levels (`Level.cuttable`: `text`, `hyperword`) only: cut the
            source to this many tokens (marker included) instead of its full cost.
    """

    index: int
    level: str
    limit: int | None = None


@dataclass(frozen=True)
class Plan:
    """Checked selections in context order (most relevant first) and the tokens they take."""

    selections: tuple[Selection, ...]
    tokens: int
    budget: int
    dropped: tuple[int, ...] = field(default=())  # candidate indexes left out

    @property
    def levels(self) -> dict[str, int]:
        """How many sources went in at each level."""
        counts: dict[str, int] = {}
        for selection in self.selections:
            counts[selection.level] = counts.get(selection.level, 0) + 1
        return counts


def check_plan(
    selections: Sequence[Selection], candidates: Sequence[Candidate], *, budget: int, policy: str
) -> Plan:
    """Check a policy's output and order it by relevance.

    Raises:
        PolicyError: A candidate twice or unknown, a level it lacks, a bad cut, or more
            tokens than `budget`.
    """
    by_index = {c.index: c for c in candidates}
    seen: set[int] = set()
    tokens = 0
    for selection in selections:
        candidate = by_index.get(selection.index)
        if candidate is None or selection.index in seen:
            raise PolicyError(
                f"policy '{policy}' selected candidate {selection.index} twice or unknown"
            )
        seen.add(selection.index)
        if selection.level not in LEVELS or selection.level not in candidate.costs:
            raise PolicyError(
                f"policy '{policy}' chose level '{selection.level}' for candidate "
                f"{selection.index}, which has {sorted(candidate.costs)}"
            )
        cost = candidate.costs[selection.level]
        if selection.limit is not None:
            if not LEVELS[selection.level].cuttable:
                raise PolicyError(f"policy '{policy}' cut a '{selection.level}' source")
            if not candidate.marker < selection.limit <= cost:
                raise PolicyError(
                    f"policy '{policy}' cut candidate {selection.index} to {selection.limit} "
                    f"tokens; it must be above its marker ({candidate.marker}) and at most "
                    f"its cost ({cost})"
                )
            cost = selection.limit
        tokens += cost
    if tokens > budget:
        raise PolicyError(f"policy '{policy}' planned {tokens} tokens over budget {budget}")
    ordered = tuple(sorted(selections, key=lambda s: s.index))
    dropped = tuple(c.index for c in candidates if c.index not in seen)
    return Plan(selections=ordered, tokens=tokens, budget=budget, dropped=dropped)
