"""`hyperword serve`: the HTTP service over one or more stores (FastAPI + uvicorn)."""

from __future__ import annotations

from pathlib import Path

import click

from hyperword.cli.options import encoder_option, hyperword_tokenizer_option, model_option

__all__ = ["serve_command"]


def _parse_stores(values: tuple[str, ...]) -> dict[str, str]:
    stores: dict[str, str] = {}
    for value in values:
        name, _, path = value.partition("=") if "=" in value else ("", "", value)
        name = name or Path(path).resolve().name or "store"
        if name in stores:
            raise click.BadParameter(
                f"two stores are named '{name}'; use NAME=DIR", param_hint="--store"
            )
        stores[name] = path
    return stores


@click.command("serve")
@click.option(
    "--store",
    "stores",
    required=True,
    multiple=True,
    metavar="[NAME=]DIR",
    help="Store folder (repeatable; named after its folder unless NAME= is given; "
    'requests choose one with "store", default the first).',
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@model_option()
@encoder_option()
@hyperword_tokenizer_option()
@click.option(
    "--budget",
    type=click.IntRange(min=1),
    default=256,
    show_default=True,
    help="Default context budget (a request may set its own).",
)
@click.option(
    "--max-body-bytes",
    type=click.IntRange(min=1024),
    default=2**20,
    show_default=True,
    help="Larger request bodies get 413.",
)
@click.option("--create", is_flag=True, help="Create store folders that do not exist yet.")
@click.option("--device", default=None, help="Where to load the model (default: cuda if any).")
def serve_command(
    stores: tuple[str, ...],
    host: str,
    port: int,
    model: str,
    encoder: str,
    hyperword_tokenizer: str,
    budget: int,
    max_body_bytes: int,
    create: bool,
    device: str | None,
) -> None:
    """Serve memory, search, ask and OpenAI-compatible chat completions over HTTP."""
    from orchestrator.loading import optional_part
    from orchestrator.service import ServiceConfig, serve

    config = ServiceConfig(
        stores=_parse_stores(stores),
        model=model,
        encoder=optional_part(encoder),
        hyperword_tokenizer=optional_part(hyperword_tokenizer),
        budget=budget,
        max_body_bytes=max_body_bytes,
        create=create,
        device=device,
    )
    click.echo(f"Loading {model} and opening {len(config.stores)} store(s)...", err=True)
    serve(config, host=host, port=port)
