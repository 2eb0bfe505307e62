"""Planning policies: which retrieved chunks go into the context, and at which level.

A policy gets the candidates (best first, each with its cost at every available level) and
a budget of context tokens, and returns `Selection`s; `planner.check_plan` checks them.
Register a new one with `@register_policy("name")` on a `Policy` subclass whose `Config`
dataclass lists its options.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

from hyperword.config_io import mistyped_field
from hyperword.levels import LEVELS, ladder, level_names
from hyperword.registry import Registry
from orchestrator.exceptions import OptionError
from orchestrator.planner import Candidate, Selection

__all__ = [
    "POLICIES",
    "DefaultPolicy",
    "FixedLevelPolicy",
    "Policy",
    "create_policy",
    "register_policy",
]


class Policy:
    """Base class: subclasses set `Config` (a dataclass) and implement `plan`."""

    name: ClassVar[str] = ""

    @dataclass(frozen=True)
    class Config:
        pass

    def __init__(self, config: Any = None):
        self.config = config if config is not None else self.Config()

    def plan(self, candidates: Sequence[Candidate], *, budget: int) -> list[Selection]:
        """Selections for `candidates` (best first) within `budget` context tokens."""
        raise NotImplementedError

    def rest_level(self, costs: Mapping[str, int], *, room: int) -> str | None:
        """The soft level for the rest of an excerpted chunk (the sentences its excerpt left
        out; `orchestrator.rests`), given its cost at each available soft level (marker
        included) and the context tokens the plan left unused; None leaves it out."""
        return None


POLICIES: Registry[type[Policy]] = Registry("policy")


def register_policy(name: str) -> Callable[[type[Policy]], type[Policy]]:
    """Class decorator adding a policy under `name`; a name already taken raises."""
    return POLICIES.register(name, named=True)


def create_policy(name: str, **options: Any) -> Policy:
    """Build a registered policy from its options.

    Raises:
        UnknownNameError: No policy `name`.
        OptionError: An option the policy does not have, or a bad value.
    """
    cls = POLICIES[name]
    allowed = [f.name for f in fields(cls.Config)]
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise OptionError(
            f"policy '{name}' has no option(s) {', '.join(unknown)}; it takes {allowed or 'none'}"
        )
    _check_types(name, cls.Config, options)
    try:
        return cls(cls.Config(**options))
    except (TypeError, ValueError) as error:
        raise OptionError(f"policy '{name}': {error}") from None


def _check_types(name: str, config: type, options: dict[str, Any]) -> None:
    """Refuse option values of the wrong type (`"0.5"` or NaN for a float, `true` for an
    int)."""
    mistyped = mistyped_field(config, options)
    if mistyped:
        raise OptionError(f"policy '{name}' option {mistyped[0]} {mistyped[1]}")


def _score_filter(candidates: Sequence[Candidate], min_score: float, max_gap: float | None):
    """The first-round candidates that pass the thresholds, and every later hop's: those were
    found through what the first round names, so their likeness to the question is low by
    design (a bridge document shares few words with the question)."""
    if not candidates:
        return []
    best = max(c.score for c in candidates)
    return [
        c
        for c in candidates
        if c.hop > 1 or (c.score >= min_score and (max_gap is None or c.score >= best - max_gap))
    ]


@register_policy("default")
class DefaultPolicy(Policy):
    """The most relevant chunks at the richest level that fits, the long tail at the cheapest.

    Candidates below the relevance threshold (`min_score`, or `max_gap` below the best) are
    dropped. The rest are taken best first. The most relevant candidate comes first and
    pays nothing towards the tail: it stays verbatim whenever `excerpt_min` of its tokens
    fit, cut to the room it may take (the orchestrator then keeps its sentences nearest the
    question, `AskOptions.focus`) rather than stepped down to a compressed level. With
    `pair_hops`, when a later hop found a candidate and half the budget holds `excerpt_min`
    tokens, the best candidate takes at most half and the next one the rest on the same
    terms. Each later candidate gets the richest available level that fits in what is left,
    less a share held for the tail (`tail_share`) when a soft level is available; a cut of
    a token level that keeps `cut_keep` of the chunk counts as fitting. Levels only step
    down along the ranking (a less relevant chunk never gets a richer level than a more
    relevant one). Soft tokens thus never take room from the best excerpts: on the
    benchmarks a question-focused excerpt carries more per position than any soft level
    (docs/encoder.md). Once only the cheapest level is left (concept tokens when an encoder is
    loaded), the rest go in at it while they fit, so many documents get a few tokens
    each. A candidate that fits at no level, when at least `min_fill` tokens are left,
    goes in cut to them at a token level (a prefix of its verbatim tokens or hyperword ids
    is valid text), which fills the budget. With `rest_view` (the default), the sentences an
    excerpt left out go in after it at the richest soft level that fits the tokens the
    excerpts left unused (`orchestrator.rests`; +4.3 F1 on squad-distractor at 64 positions,
    docs/encoder.md). With `soft_tail` false the plan is made with the token levels alone
    (the plan of soft levels off), so soft tokens only add to it, in the room it leaves.
    """

    @dataclass(frozen=True)
    class Config:
        min_score: float = field(
            default=0.2,
            metadata={"help": "drop first-round candidates below this cosine similarity"},
        )
        max_gap: float | None = field(
            default=None, metadata={"help": "drop candidates this far below the best score"}
        )
        tail_share: float = field(
            default=0.25,
            metadata={
                "help": "budget share held for the tail when a soft level is available "
                "(never taken from the best excerpts)"
            },
        )
        max_sources: int | None = field(default=None, metadata={"help": "at most this many"})
        cut_keep: float = field(
            default=0.9,
            metadata={
                "help": "cut a token-level chunk rather than step down a level when the "
                "cut keeps at least this share of it"
            },
        )
        min_fill: int = field(
            default=16, metadata={"help": "cut a chunk into leftover space this large or more"}
        )
        pair_hops: bool = field(
            default=True,
            metadata={
                "help": "when a later retrieval hop found a candidate and half the budget "
                "holds excerpt_min tokens, the most relevant one takes at most half the "
                "budget and the next one the rest, rather than the first taking it all"
            },
        )
        excerpt_min: int | None = field(
            default=32,
            metadata={
                "help": "keep the most relevant chunk verbatim, cut to an excerpt, when this "
                "many of its tokens fit (None: step it down a level instead)"
            },
        )
        rest_view: bool = field(
            default=True,
            metadata={
                "help": "put the sentences an excerpt left out after it as soft tokens, at "
                "the richest soft level that fits the tokens the plan left unused"
            },
        )
        soft_tail: bool = field(
            default=True,
            metadata={
                "help": "let soft levels take part in the plan (the tail, with tail_share "
                "held for it); false: plan with the token levels alone, so soft tokens only "
                "go into the room that plan leaves (the rest view)"
            },
        )

        def __post_init__(self) -> None:
            if not 0 <= self.tail_share < 1:
                raise ValueError(f"tail_share must be in [0, 1), got {self.tail_share}")
            if self.max_gap is not None and self.max_gap < 0:
                raise ValueError(f"max_gap must be >= 0, got {self.max_gap}")
            if self.max_sources is not None and self.max_sources < 1:
                raise ValueError(f"max_sources must be >= 1, got {self.max_sources}")
            if not 0 < self.cut_keep <= 1:
                raise ValueError(f"cut_keep must be in (0, 1], got {self.cut_keep}")
            if self.min_fill < 1:
                raise ValueError(f"min_fill must be >= 1, got {self.min_fill}")
            if self.excerpt_min is not None and self.excerpt_min < 1:
                raise ValueError(f"excerpt_min must be >= 1 or None, got {self.excerpt_min}")

    def plan(self, candidates: Sequence[Candidate], *, budget: int) -> list[Selection]:
        cfg = self.config
        kept = _score_filter(candidates, cfg.min_score, cfg.max_gap)
        levels = [lv for lv in level_names() if any(lv in c.costs for c in kept)]  # richest first
        if not cfg.soft_tail:  # the token levels alone, when there are any
            levels = [lv for lv in levels if LEVELS[lv].lossless] or levels
        if not levels:
            return []
        lossy = not LEVELS[levels[-1]].lossless  # a compressed tail is worth holding room for
        reserve = math.floor(cfg.tail_share * budget) if lossy else 0
        pair = self._pairs(kept, budget)
        first_room = budget // 2 if pair else budget  # room the first may take
        leading = 2 if pair else 1  # excerpt candidates, which pay nothing towards the tail
        rank, used, chosen = 0, 0, []
        for candidate in kept:
            if cfg.max_sources is not None and len(chosen) >= cfg.max_sources:
                break
            selection, rank = self._select(
                candidate,
                levels,
                rank,
                room=budget - used,
                cap=first_room if not chosen else budget,
                reserve=0 if len(chosen) < leading else reserve,
                excerpt=len(chosen) < leading,
            )
            if selection is None:
                selection = self._cut(candidate, budget - used)
            if selection is not None:
                chosen.append(selection)
                used += selection.limit or candidate.costs[selection.level]
        return chosen

    def rest_level(self, costs: Mapping[str, int], *, room: int) -> str | None:
        if not self.config.rest_view:
            return None
        fitting = [level for level in level_names() if costs.get(level, room + 1) <= room]
        return fitting[0] if fitting else None

    def _pairs(self, kept: Sequence[Candidate], budget: int) -> bool:
        """Whether the best candidate shares the budget with the next (`pair_hops`): a later
        hop found a candidate, and half the budget still holds an excerpt of each."""
        cfg = self.config
        if not cfg.pair_hops or not any(c.hop > 1 for c in kept[1:]):
            return False
        return cfg.excerpt_min is None or budget // 2 - kept[0].marker >= cfg.excerpt_min

    def _select(
        self,
        candidate: Candidate,
        levels: list[str],
        rank: int,
        *,
        room: int,
        cap: int,
        reserve: int,
        excerpt: bool,
    ) -> tuple[Selection | None, int]:
        """The richest level from `levels[rank]` down that fits `room` (less `reserve` above
        the cheapest level; at most `cap`), a near-whole cut, or (`excerpt`) an excerpt; and
        the rank reached."""
        cfg, cheapest = self.config, levels[-1]
        minimum = cfg.excerpt_min
        while True:
            level = levels[rank]
            space = min(room - (0 if level == cheapest else reserve), cap)
            cost = candidate.costs.get(level)
            if cost is not None and cost <= space:
                return Selection(candidate.index, level), rank
            near_whole = cost is not None and space >= max(cfg.cut_keep * cost, cfg.min_fill)
            if near_whole and LEVELS[level].cuttable:
                return Selection(candidate.index, level, limit=space), rank
            room_for_excerpt = minimum is not None and space - candidate.marker >= minimum
            if cost is not None and excerpt and LEVELS[level].excerpts and room_for_excerpt:
                return Selection(candidate.index, level, limit=space), rank
            if level == cheapest:
                return None, rank
            rank += 1

    def _cut(self, candidate: Candidate, room: int) -> Selection | None:
        """`candidate` cut to `room` at its densest token level (a prefix of ids is valid)."""
        if room < self.config.min_fill or room <= candidate.marker:
            return None
        cuttable = [level.name for level in ladder() if level.cuttable]
        for level in reversed(cuttable):  # hyperword ids first: more text per token
            if level in candidate.costs:
                return Selection(candidate.index, level, limit=min(room, candidate.costs[level]))
        return None


@register_policy("fixed")
class FixedLevelPolicy(Policy):
    """Every candidate at one level, best first, while it fits (an ablation baseline)."""

    @dataclass(frozen=True)
    class Config:
        level: str = field(default="text", metadata={"help": "the one level used"})
        min_score: float = field(default=0.0, metadata={"help": "drop candidates below it"})

        def __post_init__(self) -> None:
            if self.level not in LEVELS:
                raise ValueError(f"level must be one of {list(level_names())}, got {self.level!r}")

    def plan(self, candidates: Sequence[Candidate], *, budget: int) -> list[Selection]:
        level, used, chosen = self.config.level, 0, []
        for candidate in _score_filter(candidates, self.config.min_score, None):
            cost = candidate.costs.get(level)
            if cost is not None and used + cost <= budget:
                chosen.append(Selection(candidate.index, level))
                used += cost
        return chosen
