"""The method contract and registry: how the harness turns an `Example` into an answer.

A method gets a `MethodContext` (the target model, its tokenizer, the prompt template, the
token budget) and answers one example at a time. Text methods only choose a context string;
methods that feed soft tokens or hyperword ids override `run` and report their own counts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from eval.tasks.base import Example
from hyperword.generation import Generation, answer_question, count_tokens
from hyperword.prompts import PromptTemplate
from hyperword.registry import Registry

__all__ = [
    "METHODS",
    "Method",
    "MethodContext",
    "MethodResult",
    "TextContextMethod",
    "get_method",
    "register_method",
]


@dataclass
class MethodContext:
    """What every method may use. The embedder is loaded on first use."""

    model: Any
    tokenizer: Any
    template: PromptTemplate
    budget: int
    workdir: Path
    seed: int = 0
    max_new_tokens: int = 32
    options: dict[str, Any] = field(default_factory=dict)  # this method's own options
    store_cache: Path | None = None  # where example stores are kept for reuse (example_store)
    _embedder: Any = field(default=None, repr=False)

    @property
    def embedder(self):
        if self._embedder is None:
            from hyperword.models import load_embedder

            self._embedder = load_embedder()
        return self._embedder

    def count_tokens(self, text: str) -> int:
        """Tokens of `text` under the target model's tokenizer (no special tokens)."""
        return count_tokens(self.tokenizer, text)

    def cut_to_budget(self, text: str) -> tuple[str, int]:
        """`text` cut to its first `budget` tokens, and how many tokens it had before."""
        ids = self.tokenizer(text, add_special_tokens=False).input_ids
        return self.tokenizer.decode(ids[: self.budget]), len(ids)


@dataclass(frozen=True)
class MethodResult:
    """A generation plus what the method wants recorded about how it built its context."""

    generation: Generation
    details: dict[str, Any] = field(default_factory=dict)


class Method:
    """Base class. Subclasses set `name` and implement `run`."""

    name: ClassVar[str] = ""
    uses_budget: ClassVar[bool] = False
    # bump when the method answers differently for the same settings: benchmarks that
    # reuse finished results by their settings then run it again (None: never bumped)
    revision: ClassVar[str | None] = None

    def __init__(self, context: MethodContext):
        self.ctx = context

    @classmethod
    def weights(cls, options: dict[str, Any]) -> str | None:
        """A digest of the trained weights the method would load with `options` (an encoder
        folder), read without loading them; None when it loads none. Benchmarks make it part
        of a result's settings, so results of other weights are not reused."""
        return None

    def run(self, example: Example) -> MethodResult:
        raise NotImplementedError

    def config(self) -> dict[str, Any]:
        """Settings worth recording in results (budget, backend options)."""
        return {"budget": self.ctx.budget} if self.uses_budget else {}


class TextContextMethod(Method):
    """A method whose whole job is choosing the context text (or `None` for closed-book).

    Option `answer_forms` (default false): yes/no and either-or questions are answered with
    their likeliest option, as the orchestrator does (`hyperword.answer_forms`).
    """

    def build_context(self, example: Example) -> tuple[str | None, dict[str, Any]]:
        raise NotImplementedError

    def run(self, example: Example) -> MethodResult:
        context, details = self.build_context(example)
        generation = answer_question(
            self.ctx.model,
            self.ctx.tokenizer,
            example.question,
            context,
            template=self.ctx.template,
            max_new_tokens=self.ctx.max_new_tokens,
            answer_forms=bool(self.ctx.options.get("answer_forms", False)),
        )
        return MethodResult(generation=generation, details=details)


METHODS: Registry[type[Method]] = Registry("method")


def register_method(name: str) -> Callable[[type[Method]], type[Method]]:
    """Class decorator adding a method under `name`; a name already taken raises."""
    return METHODS.register(name, named=True)


def get_method(name: str) -> type[Method]:
    """The method registered as `name` (`UnknownNameError` when there is none)."""
    return METHODS[name]
