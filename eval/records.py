"""The numbers an evaluation produces, as dataclasses (formatted only when printed)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ExampleRecord", "MethodSummary", "summarize"]


@dataclass(frozen=True)
class ExampleRecord:
    """One method on one example.

    `context_tokens` counts the input positions spent on the context (soft tokens included),
    with the target model's tokenizer; `full_context_tokens` is the same example's whole
    context as plain text, so `compression = full_context_tokens / context_tokens`.
    """

    example_id: str
    method: str
    question: str
    answers: tuple[str, ...]
    prediction: str
    em: float
    f1: float
    contains: float
    context_tokens: int
    prompt_tokens: int
    full_context_tokens: int
    new_tokens: int
    prefill_seconds: float
    total_seconds: float
    peak_memory_bytes: int
    kv_cache_bytes: int
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExampleRecord:
        """Rebuild a record saved with `dataclasses.asdict` and JSON."""
        return cls(**{**data, "answers": tuple(data["answers"])})

    @property
    def compression(self) -> float | None:
        """Full-context tokens per context token; `None` when no context was read."""
        return self.full_context_tokens / self.context_tokens if self.context_tokens else None


@dataclass(frozen=True)
class MethodSummary:
    """Means over a method's examples (quality in percent, as SQuAD reports it)."""

    method: str
    examples: int
    em: float
    f1: float
    contains: float
    context_tokens: float
    full_context_tokens: float
    compression: float | None
    prefill_seconds_p50: float
    total_seconds_p50: float
    tokens_per_second: float
    peak_memory_bytes: int
    kv_cache_bytes: float
    config: dict[str, Any] = field(default_factory=dict)


def summarize(method: str, records: list[ExampleRecord], config: dict[str, Any]) -> MethodSummary:
    n = len(records)
    decode_seconds = sum(r.total_seconds - r.prefill_seconds for r in records)
    context = statistics.fmean(r.context_tokens for r in records)
    full = statistics.fmean(r.full_context_tokens for r in records)
    return MethodSummary(
        method=method,
        examples=n,
        em=100 * statistics.fmean(r.em for r in records),
        f1=100 * statistics.fmean(r.f1 for r in records),
        contains=100 * statistics.fmean(r.contains for r in records),
        context_tokens=context,
        full_context_tokens=full,
        compression=full / context if context > 0 else None,
        prefill_seconds_p50=statistics.median(r.prefill_seconds for r in records),
        total_seconds_p50=statistics.median(r.total_seconds for r in records),
        tokens_per_second=sum(r.new_tokens for r in records) / decode_seconds
        if decode_seconds > 0
        else 0.0,
        peak_memory_bytes=max(r.peak_memory_bytes for r in records),
        kv_cache_bytes=statistics.fmean(r.kv_cache_bytes for r in records),
        config=config,
    )
