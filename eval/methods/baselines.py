"""The plain-text baselines: no context, the whole context, the context cut to the budget."""

from __future__ import annotations

from typing import Any

from eval.methods.base import TextContextMethod, register_method
from eval.tasks.base import Example

__all__ = ["ClosedBook", "FullContext", "Truncate"]


@register_method("closed-book")
class ClosedBook(TextContextMethod):
    """The question alone: what the model knows without context."""

    def build_context(self, example: Example) -> tuple[str | None, dict[str, Any]]:
        return None, {}


@register_method("full")
class FullContext(TextContextMethod):
    """Every document of the example, verbatim, in the task's order."""

    def build_context(self, example: Example) -> tuple[str | None, dict[str, Any]]:
        return example.context, {}


@register_method("truncate")
class Truncate(TextContextMethod):
    """The first `budget` tokens of the whole context (the simplest compressor)."""

    uses_budget = True

    def build_context(self, example: Example) -> tuple[str | None, dict[str, Any]]:
        text, tokens = self.ctx.cut_to_budget(example.context)
        return text, {"truncated": tokens > self.ctx.budget}
