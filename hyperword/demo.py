"""The demo: the whole pipeline over the shipped sample corpus, with what it cost.

It lives in `orchestrator.demo` (ingest at every available level, then the orchestrator
answers under a budget); this module keeps the `hyperword.demo.run_demo` entry point and
imports the orchestrator only when called, so `hyperword` itself imports no other package.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hyperword.models import DEFAULT_MODEL

__all__ = ["DemoResult", "run_demo"]  # noqa: F822 (DemoResult: lazy, see __getattr__)


def run_demo(
    model_name: str = DEFAULT_MODEL,
    *,
    num_questions: int = 3,
    on_result: Callable[[Any], None] | None = None,
    **options: Any,
) -> list[Any]:
    """Answer the first `num_questions` sample questions; see `orchestrator.demo.run_demo`."""
    from orchestrator.demo import run_demo as run_pipeline

    return run_pipeline(model_name, num_questions=num_questions, on_result=on_result, **options)


def __getattr__(name: str) -> Any:
    if name == "DemoResult":
        from orchestrator.demo import DemoResult

        return DemoResult
    raise AttributeError(f"module 'hyperword.demo' has no attribute {name!r}")
