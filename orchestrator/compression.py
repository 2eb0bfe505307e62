"""A planned context: the budget spent over retrieved chunks, before any generation.

`Orchestrator.ask` retrieves, plans and generates; `Orchestrator.compress` stops after the
plan and returns it as a `CompressedContext`, whose sources say at which level each chunk
went in and what it stands for (the excerpt of a cut verbatim chunk, hyperword ids, soft
tokens). `Orchestrator.ask(question, context=...)` reads such a context as planned. The
LangChain compressor and the LlamaIndex postprocessor are built on this
(`hyperword.integrations`). `score_documents` turns documents retrieved elsewhere into the
`(hit, hop)` pairs planning reads, scored the way the store scores them (cosine similarity of
the retrieval embedder's vectors).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

from hyperword.levels import LEVELS, Excerpt, LevelParts
from orchestrator.answer import SourceReport
from orchestrator.assembly import MarkerStyle
from orchestrator.candidates import cost_candidates
from orchestrator.conversation import NO_HISTORY, FittedHistory
from orchestrator.extractive import SentenceScorer
from orchestrator.options import AskOptions
from orchestrator.planner import Candidate, Plan, Selection, check_plan
from orchestrator.policy import Policy
from orchestrator.rests import Excerpts, add_rests

__all__ = [
    "CompressedContext",
    "CompressedSource",
    "describe_sources",
    "plan_context",
    "score_documents",
]


@dataclass(frozen=True)
class CompressedSource:
    """One chunk as planned into the context.

    Attributes:
        index: Its position among the candidates (retrieval order, or the order the
            documents were given in).
        n: Its source marker's number (1 = most relevant).
        doc_id: Its document.
        level: The level it goes in at (`text`, `hyperword`, a soft level).
        text: The text it stands for: for a cut verbatim source its excerpt (or prefix),
            for a cut hyperword source the text of the ids kept, else the whole chunk.
        value: Its value at `level`: hyperword ids (`list[int]`), soft tokens
            `(n_slots, d_model)`, or None for `text` (the tokens of `text`).
        tokens: Context tokens it takes, its source marker included.
        text_tokens: Base tokens of the whole chunk.
        score: Cosine similarity to the question.
        cut: Whether only part of it goes in.
        excerpt: Whether the cut kept its sentences nearest the question.
        metadata: The chunk's metadata.
        chunk_id: The chunk's id.
        chunk_index: Its position in its document.
        hop: The retrieval round that found it.
        base_ids: The base tokens of `text` (what a `text` source's rows are made of).
        rest: Whether it is the rest of the excerpt before it (the sentences the excerpt
            left out, as soft tokens encoded on reading: `value` None; `orchestrator.rests`).
    """

    index: int
    n: int
    doc_id: str
    level: str
    text: str
    value: Any = field(repr=False)
    tokens: int
    text_tokens: int
    score: float
    cut: bool
    excerpt: bool
    metadata: Mapping[str, Any] = field(default_factory=dict, repr=False)
    chunk_id: str = ""
    chunk_index: int = 0
    hop: int = 1
    base_ids: tuple[int, ...] = field(default=(), repr=False)
    rest: bool = False

    def report(self) -> SourceReport:
        """The source as an answer's report lists it."""
        names = [f.name for f in fields(SourceReport)]
        return SourceReport(**{name: getattr(self, name) for name in names})


@dataclass(frozen=True)
class CompressedContext:
    """A budget spent: the planned sources and what they cost.

    Attributes:
        question: The question it was planned for.
        budget: Context tokens allowed (the conversation's and the sources').
        sources: The planned sources, in context order.
        dropped: Candidate indexes left out (below the relevance threshold, or no room).
        context_tokens: Context tokens of the sources and the kept conversation.
        full_context_tokens: Base tokens of every candidate's whole text.
        levels: The levels planning could choose from.
        retrieved: Candidates planned over.
        policy: The planning policy.
        history: The part of the conversation in the context.
        retrieval_seconds: Retrieval and planning.
    """

    question: str
    budget: int
    sources: tuple[CompressedSource, ...]
    dropped: tuple[int, ...]
    context_tokens: int
    full_context_tokens: int
    levels: tuple[str, ...]
    retrieved: int = 0
    policy: str = "default"
    history: FittedHistory = field(default=NO_HISTORY, repr=False)
    retrieval_seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready numbers and sources (level values and token ids left out)."""
        return {
            "question": self.question,
            "budget": self.budget,
            "context_tokens": self.context_tokens,
            "full_context_tokens": self.full_context_tokens,
            "retrieved": self.retrieved,
            "dropped": list(self.dropped),
            "levels": list(self.levels),
            "history_tokens": len(self.history.ids),
            "sources": [
                {k: v for k, v in asdict(s).items() if k not in ("value", "base_ids")}
                for s in self.sources
            ],
        }


def plan_context(
    question: str,
    found: Sequence[tuple[Any, int]],
    *,
    parts: LevelParts,
    levels: Sequence[str],
    policy: Policy,
    options: AskOptions,
    markers: MarkerStyle,
    scorer: SentenceScorer | None = None,
    history: FittedHistory = NO_HISTORY,
) -> CompressedContext:
    """Cost the `(hit, hop)` pairs at `levels`, plan them under the budget less the
    conversation's tokens, and describe each planned source.

    Raises:
        PolicyError: The policy's plan breaks the budget or names a level a chunk lacks.
    """
    sizes = (markers.tokens(parts.tokenizer, n) for n in range(1, len(found) + 1))
    marker = max(sizes, default=0)
    candidates = cost_candidates(found, levels=levels, parts=parts, marker=marker)
    budget = options.budget - len(history.ids)
    selections = policy.plan(candidates, budget=budget)
    plan = check_plan(selections, candidates, budget=budget, policy=options.policy)
    excerpt = None if scorer is None else Excerpts(scorer, parts.tokenizer)
    sources = describe_sources(plan, candidates, parts, markers=markers, excerpt=excerpt)
    sources = add_rests(
        sources,
        candidates,
        excerpts=excerpt,
        parts=parts,
        levels=levels,
        policy=policy,
        markers=markers,
        budget=budget,
    )
    return CompressedContext(
        question=question,
        budget=options.budget,
        sources=sources,
        dropped=plan.dropped,
        context_tokens=len(history.ids) + sum(source.tokens for source in sources),
        full_context_tokens=sum(len(c.base_ids) for c in candidates),
        levels=tuple(levels),
        retrieved=len(candidates),
        policy=options.policy,
        history=history,
    )


def describe_sources(
    plan: Plan,
    candidates: Sequence[Candidate],
    parts: LevelParts,
    *,
    markers: MarkerStyle,
    excerpt: Excerpt | None,
) -> tuple[CompressedSource, ...]:
    """What each planned source stands for and costs (the cut of a cut source computed)."""
    sources = []
    for n, selection in enumerate(plan.selections, start=1):
        candidate = candidates[selection.index]
        text, value, ids = _content(candidate, selection, parts, excerpt)
        full = candidate.costs[selection.level] - candidate.marker
        content = full if ids is None else len(ids)
        hit = candidate.hit
        sources.append(
            CompressedSource(
                index=candidate.index,
                n=n,
                doc_id=candidate.doc_id,
                level=selection.level,
                text=text,
                value=value,
                tokens=markers.tokens(parts.tokenizer, n) + content,
                text_tokens=len(candidate.base_ids),
                score=candidate.score,
                cut=content < full,
                excerpt=content < full and excerpt is not None and LEVELS[selection.level].excerpts,
                metadata=dict(hit.metadata or {}),
                chunk_id=hit.id,
                chunk_index=hit.chunk_index,
                hop=candidate.hop,
                base_ids=tuple(candidate.base_ids if ids is None or value is not None else ids),
            )
        )
    return tuple(sources)


def _content(
    candidate: Candidate, selection: Selection, parts: LevelParts, excerpt: Excerpt | None
) -> tuple[str, Any, list[int] | None]:
    """`(text, value, kept ids)` of a planned source; kept ids are None when it is whole."""
    level = LEVELS[selection.level]
    value, text = candidate.values.get(level.name), candidate.hit.text
    full = candidate.costs[level.name] - candidate.marker
    keep = None if selection.limit is None else selection.limit - candidate.marker
    if keep is None or keep >= full:
        return text, value, None
    if value is not None:  # a token level with its own ids (hyperword): a prefix of them
        kept = list(value)[:keep]
        base = parts.hyperword_tokenizer.expand(kept)
        return parts.tokenizer.decode(base, skip_special_tokens=True), kept, kept
    ids = excerpt(text, keep) if excerpt and level.excerpts else list(candidate.base_ids[:keep])
    return parts.tokenizer.decode(ids, skip_special_tokens=True), None, list(ids)


def score_documents(
    documents: Sequence[Any],
    vector: np.ndarray,
    embed: Callable[[Sequence[str]], np.ndarray],
) -> list[tuple[Any, int]]:
    """Documents retrieved elsewhere as `(hit, 1)` pairs, most similar to `vector` first.

    Args:
        documents: `mnemonic.Hit`s, or objects with `text` (and optionally `doc_id`,
            `id`, `chunk_index`, `metadata`); their own scores are not used.
        vector: The question's retrieval vector `(dim,)`, L2-normalized.
        embed: The store's embedder (texts -> normalized vectors `(n, dim)`).
    """
    from mnemonic.schema import Hit

    if not documents:
        return []
    texts = [str(getattr(d, "text", "")) for d in documents]
    scores = embed(texts) @ np.asarray(vector, dtype=np.float32)  # (n,)
    hits = []
    for i, (document, text) in enumerate(zip(documents, texts, strict=True)):
        chunk_id = getattr(document, "id", None) or hashlib.sha256(text.encode()).hexdigest()[:32]
        hits.append(
            Hit(
                id=str(chunk_id),
                doc_id=str(getattr(document, "doc_id", None) or f"document-{i}"),
                chunk_index=int(getattr(document, "chunk_index", 0) or 0),
                score=float(scores[i]),
                text=text,
                text_tokens=int(getattr(document, "text_tokens", 0) or 0),
                metadata=dict(getattr(document, "metadata", None) or {}),
                stored=dict(getattr(document, "stored", None) or {}),
            )
        )
    hits.sort(key=lambda hit: -hit.score)
    return [(hit, 1) for hit in hits]
