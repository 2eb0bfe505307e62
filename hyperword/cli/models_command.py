"""`hyperword models`: the model aliases, installed or not, cached or not, and their size."""

from __future__ import annotations

import json
from dataclasses import asdict

import click

from hyperword.models import describe_models

__all__ = ["models_command"]


@click.command("models")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def models_command(as_json: bool) -> None:
    """List the base-model aliases shipped as PyPI packages."""
    infos = describe_models()
    if as_json:
        click.echo(json.dumps([asdict(info) for info in infos], indent=2))
        return
    header = (
        f"{'alias':<14} {'installed':<9} {'cached':<6} {'parameters':>11} {'vocab':>8}  package"
    )
    click.echo(header)
    for info in infos:
        params = f"{info.parameters / 1e6:.1f}M" if info.parameters else "-"
        vocab = f"{info.vocab_size:,}" if info.vocab_size else "-"
        click.echo(
            f"{info.alias:<14} {_yes(info.installed):<9} {_yes(info.cached):<6} {params:>11} "
            f"{vocab:>8}  {info.package}"
        )


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"
