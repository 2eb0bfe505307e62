"""The orchestrator benchmark's results: one `CellResult` per row, target `Check`s, Markdown."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from eval.records import ExampleRecord, MethodSummary, summarize

__all__ = ["CellResult", "Check", "format_checks", "format_row", "table_header"]


@dataclass
class CellResult:
    """One (task, method, budget) run: its summary and records, or why it was skipped.

    `budget` is `None` for a method that reads no budget (`full`, `closed-book`); `digest`
    identifies the `EvalConfig` it ran (`config`), so a rerun reuses it only when unchanged.
    """

    task: str
    method: str
    budget: int | None
    digest: str
    config: dict[str, Any]
    model: str
    template: str
    summary: MethodSummary | None
    records: list[ExampleRecord] = field(default_factory=list)
    skipped: str | None = None

    @property
    def label(self) -> str:
        return self.method if self.budget is None else f"{self.method}@{self.budget}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CellResult:
        summary = data["summary"]
        return cls(
            **{
                **data,
                "summary": None if summary is None else MethodSummary(**summary),
                "records": [ExampleRecord.from_dict(r) for r in data["records"]],
            }
        )


@dataclass(frozen=True)
class Check:
    """F1 of `left` against `right` on the questions both answered (percent).

    With a `target` the check passes when `left_f1 / right_f1 >= target`; without one, when
    `left` scores higher.
    """

    task: str
    left: str
    right: str
    n: int
    left_f1: float
    right_f1: float
    target: float | None = None

    @classmethod
    def between(
        cls, task: str, left: CellResult, right: CellResult, *, target: float | None = None
    ) -> Check | None:
        """Compare two cells on their shared questions; `None` when they share none."""
        shared = {r.example_id for r in left.records} & {r.example_id for r in right.records}
        if not shared:
            return None
        scores = [
            summarize(cell.method, [r for r in cell.records if r.example_id in shared], {}).f1
            for cell in (left, right)
        ]
        return cls(task, left.label, right.label, len(shared), *scores, target=target)

    @property
    def ratio(self) -> float | None:
        return self.left_f1 / self.right_f1 if self.right_f1 > 0 else None

    @property
    def passed(self) -> bool:
        if self.target is None:
            return self.left_f1 > self.right_f1
        return self.ratio is not None and self.ratio >= self.target

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio, "passed": self.passed}


def table_header() -> str:
    return (
        "| task | method | budget | n | F1 | EM | context tokens | compression vs full |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|"
    )


def format_row(cell: CellResult) -> str:
    budget = "-" if cell.budget is None else str(cell.budget)
    s = cell.summary
    if s is None:
        return f"| {cell.task} | {cell.method} | {budget} | 0 | skipped: {cell.skipped} ||||"
    compression = "-" if s.compression is None else f"{s.compression:.1f}x"
    return (
        f"| {cell.task} | {cell.method} | {budget} | {s.examples} | {s.f1:.1f} | {s.em:.1f} "
        f"| {s.context_tokens:.0f} | {compression} |"
    )


def format_checks(checks: list[Check]) -> str:
    """The target checks as a Markdown table (an empty string when there are none)."""
    if not checks:
        return ""
    rows = [
        "## Targets",
        "",
        "| task | check | n | F1 | F1 (other) | result |",
        "|---|---|---:|---:|---:|---|",
    ]
    for c in checks:
        if c.target is None:
            claim, result = f"{c.left} beats {c.right}", "yes" if c.passed else "no"
        else:
            ratio = "-" if c.ratio is None else f"{c.ratio:.2f}"
            claim = f"{c.left} / {c.right} >= {c.target:.2f}"
            result = f"{ratio} {'yes' if c.passed else 'no'}"
        rows.append(
            f"| {c.task} | {claim} | {c.n} | {c.left_f1:.1f} | {c.right_f1:.1f} | {result} |"
        )
    return "\n".join(rows)
