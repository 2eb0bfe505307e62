"""`hyperword eval`: compare methods on a task, writing results.json, results.md and a plot."""

from __future__ import annotations

from pathlib import Path

import click

from eval.report import format_table, write_results
from eval.runner import EvalConfig, run_eval
from hyperword.cli.options import model_option, parse_key_value

__all__ = ["eval_command"]


@click.command("eval")
@click.option("--task", required=True, help="Task loader: squad, squad-distractor, hotpotqa, ...")
@click.option("--data", type=click.Path(), default=None, help="Data file in the task's layout.")
@click.option("--methods", required=True, help="Comma-separated methods, e.g. full,truncate.")
@model_option()
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Questions (seeded).")
@click.option(
    "--budget",
    type=click.IntRange(min=1),
    default=256,
    show_default=True,
    help="Context token budget for budgeted methods.",
)
@click.option("--seed", default=0, show_default=True, help="Sampling and shuffling seed.")
@click.option(
    "--distractors",
    type=click.IntRange(0, 50),
    default=None,
    help="squad-distractor: paragraphs from other articles per question.",
)
@click.option(
    "--task-option",
    "task_options",
    multiple=True,
    metavar="KEY=JSON",
    help="Extra loader option, e.g. --task-option max_documents=5.",
)
@click.option(
    "--method-option",
    "method_options",
    multiple=True,
    metavar="METHOD.KEY=JSON",
    help="Option for one method, e.g. --method-option hyperword.tokenizer=DIR.",
)
@click.option(
    "--store-cache",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder that keeps each question's store for later runs (e.g. the same questions "
    "with other method options); default: built afresh each run.",
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder for results.json, results.md, quality_vs_tokens.png.",
)
def eval_command(
    task,
    data,
    methods,
    model,
    limit,
    budget,
    seed,
    distractors,
    task_options,
    method_options,
    store_cache,
    out_dir,
) -> None:
    """Evaluate methods side by side on one task, same questions, same model."""
    options = dict(parse_key_value(option, hint="--task-option") for option in task_options)
    per_method: dict[str, dict] = {}
    for option in method_options:
        key, value = parse_key_value(option, hint="--method-option")
        method, dot, name = key.partition(".")
        if not dot or not method or not name:
            raise click.BadParameter(
                f"expected METHOD.KEY=VALUE, got {option!r}", param_hint="--method-option"
            )
        per_method.setdefault(method, {})[name] = value
    if distractors is not None:
        options["distractors"] = distractors
    config = EvalConfig(
        task=task,
        data=data,
        methods=tuple(m.strip() for m in methods.split(",") if m.strip()),
        model=model,
        limit=limit,
        budget=budget,
        seed=seed,
        task_options=options,
        method_options=per_method,
    )
    # Each result is appended to a checkpoint as it is made: rerunning the same command after
    # an interruption picks up where it stopped.
    checkpoint = Path(out_dir) / "checkpoint.jsonl"
    result = run_eval(config, checkpoint=checkpoint, store_cache=store_cache)
    paths = write_results(result, out_dir)
    checkpoint.unlink()
    click.echo(format_table(result.summaries))
    for name, reason in result.skipped.items():
        click.echo(f"skipped {name}: {reason}", err=True)
    click.echo(f"\nwrote {', '.join(str(p) for p in paths.values())}", err=True)
