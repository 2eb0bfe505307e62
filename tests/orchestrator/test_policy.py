"""Planning policies on hand-made candidates (no model, no store)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from orchestrator import (
    Candidate,
    OptionError,
    Policy,
    PolicyError,
    Selection,
    UnknownPolicyError,
    check_plan,
    create_policy,
    register_policy,
)

MARKER = 4


def candidate(index, score, *, text=130, hyperword=100, scene=None, concept=None):
    costs = {"text": text + MARKER, "hyperword": hyperword + MARKER}
    if scene is not None:
        costs["scene"] = scene + MARKER
    if concept is not None:
        costs["concept"] = concept + MARKER
    return Candidate(index=index, doc_id=f"d{index}", score=score, costs=costs, marker=MARKER)


def soft_candidates(n=10):
    return [candidate(i, 0.9 - 0.05 * i, scene=18, concept=4) for i in range(n)]


def plan(candidates, budget, **options):
    policy = create_policy("default", **options)
    selections = policy.plan(candidates, budget=budget)
    return check_plan(selections, candidates, budget=budget, policy="default")


def test_most_relevant_richest_long_tail_cheapest():
    result = plan(soft_candidates(), 256, max_gap=None)
    levels = [s.level for s in result.selections]
    assert levels[0] == "text"  # the best chunk verbatim
    assert levels[-1] == "concept"  # the tail as concept tokens
    assert len(levels) >= 8  # many documents fit
    assert result.tokens <= 256
    order = ["text", "hyperword", "scene", "concept"]
    ranks = [order.index(level) for level in levels]
    assert ranks == sorted(ranks)  # richness never rises down the ranking


def test_the_best_excerpt_pays_nothing_towards_the_tail():
    result = plan(soft_candidates(), 64, max_gap=None)
    assert result.selections == (Selection(0, "text", limit=64),)  # all of it, no tail held
    stepped_down = plan(soft_candidates(), 64, max_gap=None, excerpt_min=None)
    assert len(stepped_down.selections) >= 3  # no excerpt: several soft sources instead
    assert {s.level for s in stepped_down.selections} <= {"scene", "concept"}
    assert stepped_down.tokens <= 64


def test_an_excerpt_needs_excerpt_min_tokens():
    candidates = soft_candidates()
    room = 64 - MARKER  # tokens the best chunk keeps at budget 64
    assert plan(candidates, 64, excerpt_min=room).selections[0].level == "text"
    assert plan(candidates, 64, excerpt_min=room + 1).selections[0].level == "scene"
    with pytest.raises(OptionError, match="excerpt_min"):
        create_policy("default", excerpt_min=0)


def test_threshold_drops_irrelevant_candidates():
    candidates = [candidate(0, 0.8), candidate(1, 0.05), candidate(2, 0.5)]
    result = plan(candidates, 1000, min_score=0.1, max_gap=None)
    assert [s.index for s in result.selections] == [0, 2]
    assert result.dropped == (1,)
    result = plan(candidates, 1000, min_score=0.0, max_gap=0.2)
    assert [s.index for s in result.selections] == [0]
    result = plan(candidates, 1000)  # defaults: min_score 0.2, no max_gap
    assert [s.index for s in result.selections] == [0, 2]


def test_without_soft_levels_the_best_chunk_goes_in_cut():
    candidates = [candidate(i, 0.9 - 0.1 * i) for i in range(4)]
    result = plan(candidates, 64)  # nothing fits whole: the best goes in as an excerpt
    assert result.selections == (Selection(0, "text", limit=64),)
    result = plan(candidates, 64, excerpt_min=None)  # or cut at its densest token level
    assert len(result.selections) == 1
    only = result.selections[0]
    assert only.index == 0 and only.level == "hyperword" and only.limit == 64
    assert result.tokens == 64


def test_the_next_chunk_fills_the_leftover_space_cut():
    candidates = [candidate(i, 0.9 - 0.1 * i) for i in range(4)]
    result = plan(candidates, 200)
    assert [s.index for s in result.selections] == [0, 1]
    assert result.selections[1].limit is not None
    assert result.tokens <= 200


def test_text_only_is_greedy_by_score():
    candidates = [
        Candidate(index=i, doc_id="d", score=1 - i / 10, costs={"text": c}, marker=2)
        for i, c in enumerate([50, 80, 40, 30])
    ]
    result = plan(candidates, 130, min_fill=100)
    assert [s.index for s in result.selections] == [0, 1]
    assert all(s.level == "text" and s.limit is None for s in result.selections)


def test_no_candidates_no_plan():
    assert plan([], 128).selections == ()


def test_fixed_policy_uses_one_level():
    policy = create_policy("fixed", level="concept")
    selections = policy.plan(soft_candidates(5), budget=20)
    assert [s.level for s in selections] == ["concept", "concept"]


def test_bad_options_and_names_raise():
    with pytest.raises(UnknownPolicyError, match="unknown policy 'nope'"):
        create_policy("nope")
    with pytest.raises(OptionError, match="no option"):
        create_policy("default", colour="red")
    with pytest.raises(OptionError, match="tail_share"):
        create_policy("default", tail_share=1.5)
    with pytest.raises(OptionError, match="level"):
        create_policy("fixed", level="paragraph")
    with pytest.raises(OptionError, match="min_score must be a finite number, got 'high'"):
        create_policy("default", min_score="high")
    with pytest.raises(OptionError, match="max_sources must be an integer or null"):
        create_policy("default", max_sources=True)
    assert create_policy("default", min_score=0, max_gap=None).config.min_score == 0


def test_check_plan_refuses_bad_plans():
    candidates = soft_candidates(3)
    with pytest.raises(PolicyError, match="over budget"):
        check_plan([Selection(0, "text")], candidates, budget=10, policy="p")
    with pytest.raises(PolicyError, match="twice"):
        check_plan([Selection(0, "concept")] * 2, candidates, budget=100, policy="p")
    with pytest.raises(PolicyError, match="level"):
        only_text = [Candidate(index=0, doc_id="d", score=1, costs={"text": 5})]
        check_plan([Selection(0, "scene")], only_text, budget=100, policy="p")
    with pytest.raises(PolicyError, match="cut a 'scene'"):
        check_plan([Selection(0, "scene", limit=5)], candidates, budget=100, policy="p")
    with pytest.raises(PolicyError, match="above its marker"):
        check_plan([Selection(0, "text", limit=MARKER)], candidates, budget=100, policy="p")


def test_register_policy_refuses_duplicates():
    @register_policy("test-first-only")
    class FirstOnly(Policy):
        def plan(self, candidates, *, budget):
            return [Selection(candidates[0].index, "concept")] if candidates else []

    assert create_policy("test-first-only").plan(soft_candidates(2), budget=50)[0].index == 0
    with pytest.raises(ValueError, match="already registered"):
        register_policy("test-first-only")(FirstOnly)


def test_a_chunk_too_big_for_the_budget_goes_in_cut_before_less_relevant_ones():
    candidates = [
        Candidate(index=0, doc_id="best", score=0.9, costs={"text": 133}, marker=4),
        Candidate(index=1, doc_id="short", score=0.5, costs={"text": 30}, marker=4),
    ]
    result = plan(candidates, 128)
    assert result.selections == (Selection(0, "text", limit=128),)


def test_a_nearly_fitting_chunk_is_cut_rather_than_stepped_down():
    candidates = [candidate(0, 0.9, text=130, hyperword=100)]  # text costs 134
    result = plan(candidates, 128)  # 128 / 134 >= cut_keep 0.9: verbatim, cut
    assert result.selections == (Selection(0, "text", limit=128),)
    result = plan(candidates, 110)  # 110 / 134 < 0.9, but the best chunk: an excerpt
    assert result.selections == (Selection(0, "text", limit=110),)
    result = plan(candidates, 110, excerpt_min=None)  # else hyperword ids, whole
    assert result.selections == (Selection(0, "hyperword"),)


def test_the_tail_reserve_applies_after_the_best_chunk_and_only_with_a_soft_level():
    text_only = [candidate(0, 0.9, text=50), candidate(1, 0.8, text=36)]
    # 54 + 40 of 100: the second fits whole when no soft level is available
    assert plan(text_only, 100).selections == (Selection(0, "text"), Selection(1, "text"))
    with_soft = [
        candidate(0, 0.9, text=50, hyperword=40, scene=7, concept=2),
        candidate(1, 0.8, text=36, hyperword=26, scene=5, concept=2),
    ]
    # the best is whole; the second steps down: 46 left less a reserve of 25
    selections = plan(with_soft, 100).selections
    assert selections[0] == Selection(0, "text")
    assert selections[1] == Selection(1, "scene")
    # the best chunk keeps its room whatever the reserve
    big = [candidate(0, 0.9, text=100, hyperword=60, scene=14, concept=3)]
    assert plan(big, 110, excerpt_min=None).selections[0] == Selection(0, "text")
    assert plan(big, 100).selections[0] == Selection(0, "text", limit=100)


def test_hops_pair_only_when_half_the_budget_holds_an_excerpt():
    first = candidate(0, 0.9, scene=18, concept=4)
    bridge = Candidate(
        index=1, doc_id="bridge", score=0.1, costs=dict(first.costs), marker=MARKER, hop=2
    )
    paired = plan([first, bridge], 128).selections
    assert [(s.index, s.level, s.limit) for s in paired] == [(0, "text", 64), (1, "text", 64)]
    # half of 64 holds 28 tokens after the marker, under excerpt_min 32: the best takes it all
    assert plan([first, bridge], 64).selections == (Selection(0, "text", limit=64),)
    assert plan([first, bridge], 64, excerpt_min=28).selections[0].limit == 32


def test_the_rest_of_an_excerpt_gets_the_richest_soft_level_that_fits():
    costs = {"scene": 20, "ratio-16": 12, "concept": 6}
    policy = create_policy("default")
    assert policy.rest_level(costs, room=25) == "scene"
    assert policy.rest_level(costs, room=19) == "ratio-16"
    assert policy.rest_level(costs, room=6) == "concept"
    assert policy.rest_level(costs, room=5) is None  # nothing fits: left out
    assert create_policy("default", rest_view=False).rest_level(costs, room=25) is None
    assert Policy().rest_level(costs, room=25) is None  # a policy opts in


def test_without_a_soft_tail_the_plan_is_the_token_levels_plan():
    tokens_only = [
        replace(c, costs={k: v for k, v in c.costs.items() if k in ("text", "hyperword")})
        for c in soft_candidates()
    ]
    for budget in (256, 512):  # room after the best chunk whole
        with_tail = plan(soft_candidates(), budget, max_gap=None)
        assert {"scene", "concept"} & {s.level for s in with_tail.selections}  # a soft tail
        additive = plan(soft_candidates(), budget, max_gap=None, soft_tail=False)
        assert additive.selections == plan(tokens_only, budget, max_gap=None).selections
    # with no token level to plan with, the soft levels still serve
    soft_only = [Candidate(index=0, doc_id="d0", score=0.9, costs={"scene": 22}, marker=MARKER)]
    assert plan(soft_only, 64, soft_tail=False).selections == (Selection(0, "scene"),)
    # the rest view still takes the richest soft level in the room left
    assert create_policy("default", soft_tail=False).rest_level({"scene": 20}, room=25) == "scene"
