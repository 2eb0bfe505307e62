"""`hyperword ask`: answer a question from a store under a token budget, with its cost."""

from __future__ import annotations

import json
from pathlib import Path

import click

from hyperword.levels import level_names
from hyperword.models import DEFAULT_MODEL

__all__ = ["ask_command"]


@click.command("ask")
@click.argument("question")
@click.option(
    "--store", "store_dir", required=True, type=click.Path(path_type=Path), help="Store folder."
)
@click.option(
    "--budget",
    type=click.IntRange(min=1),
    default=256,
    show_default=True,
    help="Context positions (sources and their markers).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the answer and report as JSON.")
@click.option("--model", default=DEFAULT_MODEL, show_default=True, help="Base model alias/path.")
@click.option(
    "--encoder",
    default="auto",
    show_default=True,
    help="Soft-token encoder folder, 'auto' (the trained default, if any) or 'none'.",
)
@click.option(
    "--hyperword-tokenizer",
    default="auto",
    show_default=True,
    help="Hyperword tokenizer folder, 'auto' ($HYPERWORD_TOKENIZER) or 'none'.",
)
@click.option("-k", type=click.IntRange(1, 1000), default=16, show_default=True, help="Candidates.")
@click.option("--policy", default="default", show_default=True, help="Planning policy.")
@click.option(
    "--level",
    "levels",
    multiple=True,
    type=click.Choice(level_names()),
    help="Allow only these levels (repeatable; default: every available one).",
)
@click.option(
    "--hops",
    type=click.IntRange(1, 2),
    default=2,
    show_default=True,
    help="Retrieval rounds; 2 also looks up what the best hit's bridge sentence names.",
)
@click.option(
    "--focus/--no-focus",
    default=True,
    show_default=True,
    help="A cut verbatim source keeps its sentences nearest the question (else a prefix).",
)
@click.option("--max-new-tokens", type=click.IntRange(1, 4096), default=32, show_default=True)
@click.option("--temperature", type=click.FloatRange(0, 100), default=0.0, show_default=True)
@click.option("--seed", type=click.IntRange(min=0), default=None, help="Sampling seed.")
@click.option("--stream", is_flag=True, help="Print the answer as it is generated.")
def ask_command(
    question: str,
    store_dir: Path,
    budget: int,
    as_json: bool,
    model: str,
    encoder: str,
    hyperword_tokenizer: str,
    k: int,
    policy: str,
    levels: tuple[str, ...],
    hops: int,
    focus: bool,
    max_new_tokens: int,
    temperature: float,
    seed: int | None,
    stream: bool,
) -> None:
    """Answer QUESTION from the store at --store, reporting the tokens it cost."""
    from orchestrator import Orchestrator
    from orchestrator.resources import optional_part

    orchestrator = Orchestrator(
        store_dir,
        model=model,
        encoder=optional_part(encoder),
        tokenizer=optional_part(hyperword_tokenizer),
        budget=budget,
        policy=policy,
    )
    options = {
        "k": k,
        "hops": hops,
        "focus": focus,
        "max_new_tokens": max_new_tokens,
        "temperature": temperature,
    }
    options.update({"seed": seed} if seed is not None else {})
    options.update({"levels": levels} if levels else {})
    answer_stream = orchestrator.stream(question, **options)
    if stream and not as_json:
        click.echo("A: ", nl=False)
        for piece in answer_stream:
            click.echo(piece, nl=False)
        click.echo()
    answer = answer_stream.consume()
    if as_json:
        click.echo(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
        return
    if not stream:
        click.echo(f"A: {answer.text}")
    click.echo(answer.format_report())
