"""Search modes: dense (FAISS), lexical (BM25) and hybrid (the two fused by reciprocal rank).

Hybrid search asks both indexes for `depth` hits each and fuses the two rankings with
reciprocal rank fusion (Cormack et al., 2009): a chunk's fused score is the sum over the
rankings it appears in of `1 / (RRF_K + rank)`, rank counted from 1. RRF needs no score
calibration between cosine similarities and BM25 scores, which live on different scales.

Every hit keeps `score` = its cosine similarity to the query (whichever index found it),
so relevance thresholds downstream (`orchestrator.policy`) read the same number in every
mode; `lexical_score` holds its BM25 score when the lexical index returned it and
`fused_score` its RRF score in hybrid mode.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from mnemonic.exceptions import ConfigError
from mnemonic.schema import Hit

__all__ = [
    "DEFAULT_MODE",
    "FUSION_DEPTH",
    "RRF_K",
    "SEARCH_MODES",
    "check_mode",
    "fuse_hits",
    "lexical_hits",
    "reciprocal_rank_fusion",
    "search_mode",
]

SEARCH_MODES = ("hybrid", "dense", "lexical")
DEFAULT_MODE = "hybrid"  # measured better than dense on every set in docs/store.md
RRF_K = 60  # the constant of the RRF paper (and of LanceDB's RRFReranker)
FUSION_DEPTH = 20  # each ranking's depth before fusing (at least k)


def check_mode(mode: str) -> str:
    """`mode` if it is one of `SEARCH_MODES`, else `ConfigError` naming them."""
    if mode not in SEARCH_MODES:
        raise ConfigError(f"search mode must be one of {list(SEARCH_MODES)}, got {mode!r}")
    return mode


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[str]], *, k: int = RRF_K
) -> dict[str, float]:
    """Ids -> fused score `sum(1 / (k + rank))` over the rankings that hold them (rank from 1)."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + 1.0 / (k + rank)
    return fused


def fuse_hits(dense: list[Hit], lexical: list[Hit], *, k: int) -> list[Hit]:
    """The best `k` of both rankings by RRF, each hit once (its BM25 score kept)."""
    by_id: dict[str, Hit] = {hit.id: hit for hit in lexical}
    bm25 = {hit.id: hit.lexical_score for hit in lexical}
    for hit in dense:
        by_id[hit.id] = replace(hit, lexical_score=bm25.get(hit.id))
    fused = reciprocal_rank_fusion([[h.id for h in dense], [h.id for h in lexical]])
    order = sorted(fused, key=lambda i: (-fused[i], -by_id[i].score))
    return [replace(by_id[i], fused_score=fused[i]) for i in order[:k]]


def search_mode(
    mode: str,
    *,
    k: int,
    dense: Callable[[int], list[Hit]],
    lexical: Callable[[int], list[Hit]] | None,
) -> list[Hit]:
    """Run one search mode given the two backends (each called with how many hits it gives).

    Raises:
        ConfigError: An unknown mode, or a lexical mode without query text.
    """
    check_mode(mode)
    if mode == "dense":
        return dense(k)
    if lexical is None:
        raise ConfigError(f"search mode {mode!r} needs the query text (pass text=...)")
    if mode == "lexical":
        return lexical(k)
    depth = max(k, FUSION_DEPTH)
    return fuse_hits(dense(depth), lexical(depth), k=k)


def lexical_hits(rows: list[tuple[dict[str, Any], float, float]], make_hit) -> list[Hit]:
    """`Hit`s from `search_lexical`'s triples (`make_hit(record, cosine)` builds one)."""
    return [replace(make_hit(record, cosine), lexical_score=bm25) for record, bm25, cosine in rows]
