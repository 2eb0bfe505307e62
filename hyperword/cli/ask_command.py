"""`hyperword ask`: answer a question from a store under a token budget, with its cost."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from hyperword.cli.options import (
    ask_options,
    encoder_option,
    given_ask_options,
    hyperword_tokenizer_option,
    model_option,
)

__all__ = ["ask_command"]


@click.command("ask")
@click.argument("question")
@click.option(
    "--store", "store_dir", required=True, type=click.Path(path_type=Path), help="Store folder."
)
@click.option("--json", "as_json", is_flag=True, help="Print the answer and report as JSON.")
@model_option()
@encoder_option()
@hyperword_tokenizer_option()
@ask_options
@click.option("--stream", is_flag=True, help="Print the answer as it is generated.")
def ask_command(
    question: str,
    store_dir: Path,
    as_json: bool,
    model: str,
    encoder: str,
    hyperword_tokenizer: str,
    stream: bool,
    **options: Any,
) -> None:
    """Answer QUESTION from the store at --store, reporting the tokens it cost.

    The options after --hyperword-tokenizer are `orchestrator.AskOptions`; unset, each
    takes its default.
    """
    from orchestrator import Orchestrator
    from orchestrator.loading import optional_part

    orchestrator = Orchestrator(
        store_dir,
        model=model,
        encoder=optional_part(encoder),
        tokenizer=optional_part(hyperword_tokenizer),
    )
    answer_stream = orchestrator.stream(question, **given_ask_options(options))
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
