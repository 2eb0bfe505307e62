"""What `Orchestrator.ask` returns: the answer text and a typed report of what it cost.

A *context token* is one input position the model attends over for the context: a base
token, a hyperword id, a soft token, a soft level's marker row, or a source marker's token.
Budgets, costs and reports all count context tokens.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Answer", "AnswerReport", "SourceReport", "cut_label"]


@dataclass(frozen=True)
class SourceReport:
    """One source in the context.

    Attributes:
        n: Its marker number (1 = most relevant).
        doc_id: The document.
        chunk_id: The store's chunk id.
        chunk_index: Position of the chunk in its document.
        score: Cosine similarity to the question.
        level: `text`, `hyperword`, `scene` or `concept`.
        tokens: Context tokens it took, its marker included.
        text_tokens: Base tokens of its text in full.
        cut: Whether only part of it went in: a prefix, or (`excerpt`) its sentences
            nearest the question.
        excerpt: Whether the cut kept the sentences nearest the question (verbatim sources
            with `focus` on) rather than a prefix.
        hop: The retrieval round that found it (2: looked up from a first-round source's
            bridge sentence, `hops=2`).
        rest: Whether it is the rest of the excerpt before it: the sentences the excerpt
            left out, as soft tokens in the room it left unused (`orchestrator.rests`).
    """

    n: int
    doc_id: str
    chunk_id: str
    chunk_index: int
    score: float
    level: str
    tokens: int
    text_tokens: int
    cut: bool = False
    excerpt: bool = False
    hop: int = 1
    rest: bool = False


@dataclass(frozen=True)
class AnswerReport:
    """What an answer cost. Numbers only; `Answer.format_report` formats them.

    Attributes:
        budget: Context tokens allowed.
        policy: Planning policy used.
        template: Prompt template used.
        levels_available: Levels the orchestrator could use.
        tokens_per_level: Context tokens per level; source markers under `markers`, the
            conversation (system message and earlier turns) under `history` when there is one.
        context_tokens: Context tokens used (all levels and markers).
        full_context_tokens: Base tokens of all retrieved chunks' text, verbatim.
        prompt_tokens: Input tokens of the whole prompt (template included).
        new_tokens: Tokens generated.
        retrieved: Chunks retrieved; `dropped` of them were left out.
        dropped: Retrieved chunks not in the context (threshold or budget).
        sources: The sources in the context, in context order.
        peak_memory_bytes: Peak memory while assembling and generating (CUDA allocated, or
            the process's resident-set peak on CPU, weights included).
        kv_cache_bytes: Analytic KV-cache bytes for prompt plus answer at the model's dtype.
        retrieval_seconds: Search and planning.
        prefill_seconds: The forward pass over the prompt.
        generation_seconds: Prefill plus decoding.
        total_seconds: The whole `ask`, retrieval to last token.
        finish_reason: `stop` (end of answer) or `length` (`max_new_tokens` reached).
        history_messages: Earlier chat messages read in the context (their tokens are
            `tokens_per_level["history"]`).
        history_dropped: Earlier chat messages left out (no room).
    """

    budget: int
    policy: str
    template: str
    levels_available: tuple[str, ...]
    tokens_per_level: dict[str, int]
    context_tokens: int
    full_context_tokens: int
    prompt_tokens: int
    new_tokens: int
    retrieved: int
    dropped: int
    sources: tuple[SourceReport, ...]
    peak_memory_bytes: int
    kv_cache_bytes: int
    retrieval_seconds: float
    prefill_seconds: float
    generation_seconds: float
    total_seconds: float
    finish_reason: str = "stop"
    history_messages: int = 0
    history_dropped: int = 0

    @property
    def compression_ratio(self) -> float:
        """Full retrieved text / context tokens used (0 when no context was used)."""
        return self.full_context_tokens / self.context_tokens if self.context_tokens else 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["compression_ratio"] = self.compression_ratio
        return data


@dataclass(frozen=True)
class Answer:
    """An answer and its report."""

    question: str
    text: str
    report: AnswerReport = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"question": self.question, "answer": self.text, "report": self.report.to_dict()}

    def format_report(self) -> str:
        """A few human-readable lines about the cost (for the CLI and the demo)."""
        r = self.report
        levels = ", ".join(f"{k} {v}" for k, v in r.tokens_per_level.items() if v) or "none"
        ratio = f"{r.compression_ratio:.1f}x" if r.context_tokens else "-"
        sources = "; ".join(
            f"[{s.n}] {s.doc_id} #{s.chunk_index} {s.level}{cut_label(s)} "
            f"{s.tokens} tok, score {s.score:.2f}"
            for s in r.sources
        )
        return "\n".join(
            [
                f"context: {r.context_tokens} tokens of budget {r.budget} ({levels}); "
                f"retrieved text in full: {r.full_context_tokens} tokens ({ratio})",
                f"sources: {sources or 'none'} ({r.dropped} of {r.retrieved} retrieved left out)",
                f"prompt {r.prompt_tokens} tokens, answer {r.new_tokens}; prefill "
                f"{r.prefill_seconds:.2f} s, total {r.total_seconds:.2f} s; peak memory "
                f"{r.peak_memory_bytes / 2**20:.0f} MiB, "
                f"KV cache {r.kv_cache_bytes / 2**10:.0f} KiB",
            ]
        )


def cut_label(source: SourceReport) -> str:
    """`" (excerpt)"`, `" (rest of excerpt)"`, `" (cut)"` or `""`, plus `" hop 2"` for a
    second-round source."""
    label = ""
    if source.excerpt:
        label = " (excerpt)"
    elif source.rest:
        label = " (rest of excerpt)"
    elif source.cut:
        label = " (cut)"
    return label + (f" hop {source.hop}" if source.hop > 1 else "")
