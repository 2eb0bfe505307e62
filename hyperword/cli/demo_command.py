"""`hyperword demo`: the whole pipeline over the shipped sample corpus, with what it cost."""

from __future__ import annotations

import click

from hyperword.cli.options import encoder_option, hyperword_tokenizer_option, model_option

__all__ = ["demo_command"]


@click.command("demo")
@model_option("model_name")
@click.option(
    "-n",
    "--questions",
    "num_questions",
    default=3,
    show_default=True,
    type=click.IntRange(1, 6),
    help="How many sample questions to answer.",
)
@click.option(
    "--budget",
    type=click.IntRange(min=1),
    default=128,
    show_default=True,
    help="Context tokens per question.",
)
@encoder_option()
@hyperword_tokenizer_option()
def demo_command(
    model_name: str, num_questions: int, budget: int, encoder: str, hyperword_tokenizer: str
) -> None:
    """Ingest the sample corpus (invented facts) at every available level, then answer."""
    from orchestrator.demo import run_demo
    from orchestrator.loading import optional_part

    click.echo(f"Loading {model_name} and the embedder...", err=True)
    results = run_demo(
        model_name,
        num_questions=num_questions,
        budget=budget,
        encoder=optional_part(encoder),
        hyperword_tokenizer=optional_part(hyperword_tokenizer),
        on_setup=_print_setup,
        on_result=_print_result,
    )
    correct = sum(result.correct for result in results)
    click.echo(f"\n{correct}/{len(results)} answers contain the expected text.")


def _print_setup(setup) -> None:
    click.echo(
        f"Ingested {setup.documents} documents ({setup.chunks} chunks, "
        f"{setup.corpus_tokens} tokens) in {setup.ingest_seconds:.1f} s; "
        f"levels: {', '.join(setup.levels)}"
    )
    for level, reason in setup.skipped.items():
        click.echo(f"  skipped {level}: {reason}")
    click.echo(
        f"Full context (the whole corpus): {setup.corpus_tokens} tokens, "
        f"KV cache {setup.full_kv_cache_bytes / 2**20:.1f} MiB"
    )


def _print_result(result) -> None:
    from orchestrator.answer import cut_label

    mark = "correct" if result.correct else f"expected: {' / '.join(result.expected)}"
    report = result.report
    click.echo(f"\nQ: {result.question}")
    click.echo(f"A: {result.answer}   [{mark}]")
    levels = ", ".join(f"{k} {v}" for k, v in report.tokens_per_level.items() if v)
    saving = result.corpus_tokens / result.context_tokens if result.context_tokens else 0
    click.echo(
        f"   context {result.context_tokens} tokens ({levels}) vs full context "
        f"{result.corpus_tokens} tokens: {saving:.1f}x fewer; KV cache "
        f"{report.kv_cache_bytes / 2**20:.1f} MiB"
    )
    sources = ", ".join(
        f"[{s.n}] {s.doc_id} {s.level}{cut_label(s)} {s.tokens}" for s in report.sources
    )
    click.echo(f"   sources: {sources or 'none'}")
    click.echo(
        f"   prefill {report.prefill_seconds:.2f} s, total {report.total_seconds:.2f} s, "
        f"peak memory {report.peak_memory_bytes / 2**20:.0f} MiB"
    )
