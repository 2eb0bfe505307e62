"""What a task loader yields: `Example`s, and the registry of loaders."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from hyperword.registry import Registry

__all__ = ["TASKS", "Example", "TaskLoader", "get_task", "register_task"]


@dataclass(frozen=True)
class Example:
    """One question with its gold answers and the documents it may be answered from.

    Attributes:
        id: Stable id (from the data set when it has one).
        question: The question text.
        answers: Gold answers; any of them counts as correct.
        documents: `(title, text)` pairs that form the context, in the order a `full` reader
            sees them. A single-passage task has one.
        gold_titles: Titles of the documents that hold the answer (for retrieval diagnostics).
        meta: Anything else worth keeping (article title, distractor count, ...).
    """

    id: str
    question: str
    answers: tuple[str, ...]
    documents: tuple[tuple[str, str], ...]
    gold_titles: tuple[str, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def context(self) -> str:
        """The documents joined as one context string (paragraphs separated by blank lines)."""
        return "\n\n".join(text for _, text in self.documents)


# A loader reads a path (or, for `synthetic`, nothing) and yields examples. Options are
# keyword-only: `seed`, and task-specific ones such as `distractors`.
TaskLoader = Callable[..., Iterable[Example]]

TASKS: Registry[TaskLoader] = Registry("task")


def register_task(name: str) -> Callable[[TaskLoader], TaskLoader]:
    """Decorator adding a loader under `name`; a name already taken raises `ValueError`."""
    return TASKS.register(name)


def get_task(name: str) -> TaskLoader:
    """The loader registered as `name` (`UnknownNameError` when there is none)."""
    return TASKS[name]
