"""`hyperword demo`: the default model answering questions over the sample corpus."""

from __future__ import annotations

import click

from hyperword.demo import DemoResult, run_demo
from hyperword.models import DEFAULT_MODEL

__all__ = ["demo_command"]


@click.command("demo")
@click.option(
    "--model",
    "model_name",
    default=DEFAULT_MODEL,
    show_default=True,
    help="Base model alias or path.",
)
@click.option(
    "-n",
    "--questions",
    "num_questions",
    default=3,
    show_default=True,
    type=click.IntRange(1, 6),
    help="How many sample questions to answer.",
)
def demo_command(model_name: str, num_questions: int) -> None:
    """Answer sample questions over a shipped corpus of invented facts."""
    click.echo(f"Loading {model_name} and the embedder...", err=True)
    results = run_demo(model_name, num_questions=num_questions, on_result=_print_result)
    correct = sum(result.correct for result in results)
    click.echo(f"\n{correct}/{len(results)} answers contain the expected text.")


def _print_result(result: DemoResult) -> None:
    mark = "correct" if result.correct else f"expected: {' / '.join(result.expected)}"
    click.echo(f"\nQ: {result.question}")
    click.echo(f"A: {result.answer}   [{mark}]")
    click.echo(
        f"   context: {result.retrieved_doc}, {result.context_tokens} tokens "
        f"(whole corpus: {result.corpus_tokens} tokens); {result.seconds:.2f} s"
    )
