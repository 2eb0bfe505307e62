"""Task loaders, registered by name. Importing this package registers the built-ins.

Each loader is `loader(path, *, seed=0, **options) -> list[Example]`; see `get_task`.
"""

from __future__ import annotations

from eval.tasks import hotpotqa, longdoc, nq, squad, squad_distractor, synthetic
from eval.tasks.base import TASKS, Example, TaskLoader, get_task, register_task
from eval.tasks.sampling import sample_examples

__all__ = [
    "TASKS",
    "Example",
    "TaskLoader",
    "get_task",
    "hotpotqa",
    "longdoc",
    "nq",
    "register_task",
    "sample_examples",
    "squad",
    "squad_distractor",
    "synthetic",
]
