"""`hyperword vram`: will a context fit on a card? Weights + KV cache + activations, per level."""

from __future__ import annotations

import json

import click

from eval.vram.planner import (
    DTYPE_BYTES,
    GIB,
    LEVEL_RATIOS,
    VramEstimate,
    config_aliases,
    estimate_vram,
    load_model_shape,
)

__all__ = ["vram_command"]


@click.command("vram")
@click.option(
    "--model",
    "model",
    required=True,
    metavar="CONFIG_OR_ALIAS",
    help=f"A config.json, its folder, or an alias: {', '.join(config_aliases())}.",
)
@click.option(
    "--context-tokens",
    required=True,
    type=click.IntRange(min=1),
    help="Context length in text (base-tokenizer) tokens.",
)
@click.option(
    "--level",
    "levels",
    multiple=True,
    type=click.Choice(list(LEVEL_RATIOS)),
    help="Resolution the context is fed at (repeat to compare); default text.",
)
@click.option(
    "--ratio",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Text tokens per position, instead of the level's nominal ratio (e.g. hyperword 1.3).",
)
@click.option("--dtype", type=click.Choice(list(DTYPE_BYTES)), default="bf16", show_default=True)
@click.option(
    "--kv-dtype",
    type=click.Choice(list(DTYPE_BYTES)),
    default=None,
    help="KV-cache dtype; default: the compute dtype (bf16 for int weights).",
)
@click.option("--batch", type=click.IntRange(min=1), default=1, show_default=True)
@click.option(
    "--prefill-chunk",
    type=click.IntRange(min=1),
    default=None,
    help="Prefill this many positions per forward (bounds activations).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (a list, one per level).")
def vram_command(
    model, context_tokens, levels, ratio, dtype, kv_dtype, batch, prefill_chunk, as_json
) -> None:
    """Estimate the GPU memory of prefilling a context, and which cards it fits."""
    shape = load_model_shape(model)
    estimates = [
        estimate_vram(
            shape,
            context_tokens=context_tokens,
            level=level,
            dtype=dtype,
            kv_dtype=kv_dtype,
            batch=batch,
            ratio=ratio,
            prefill_chunk=prefill_chunk,
        )
        for level in levels or ("text",)
    ]
    if as_json:
        click.echo(json.dumps([estimate.to_dict() for estimate in estimates], indent=2))
        return
    first = estimates[0]
    click.echo(
        f"{shape.name}: {shape.parameters / 1e9:.2f}B parameters, {shape.num_layers} layers "
        f"({shape.sliding_layers} sliding-window), {shape.num_kv_heads} KV heads x "
        f"{shape.head_dim}, vocab {shape.vocab_size:,}"
    )
    prefill = f"chunks of {prefill_chunk:,}" if prefill_chunk else "whole context in one forward"
    click.echo(
        f"{context_tokens:,} text tokens, batch {batch}, weights {dtype}, KV cache "
        f"{first.kv_dtype}, prefill {prefill}\n"
    )
    click.echo(format_estimates(estimates))
    for estimate in estimates:
        if estimate.exceeds_max_positions:
            click.echo(
                f"note: at level {estimate.level}, {estimate.positions:,} positions exceed the "
                f"model's max_position_embeddings ({estimate.max_position_embeddings:,})",
                err=True,
            )


def format_estimates(estimates: list[VramEstimate]) -> str:
    """A table with one column per estimate: positions, GiB per component, fit per card."""
    width = 14
    rows = [
        "".ljust(20) + "".join(e.level.rjust(width) for e in estimates),
        "positions".ljust(20) + "".join(f"{e.positions:,}".rjust(width) for e in estimates),
    ]
    for label, attribute in (
        ("weights GiB", "weight_bytes"),
        ("KV cache GiB", "kv_cache_bytes"),
        ("activations GiB", "activation_bytes"),
        ("overhead GiB", "overhead_bytes"),
        ("total GiB", "total_bytes"),
    ):
        values = "".join(f"{getattr(e, attribute) / GIB:.2f}".rjust(width) for e in estimates)
        rows.append(label.ljust(20) + values)
    rows.append("")
    rows.append("fits (headroom GiB)")
    for index, card in enumerate(estimates[0].cards_gb):
        cells = []
        for estimate in estimates:
            fit = estimate.fits()[index]
            verdict = "yes" if fit.fits else "no"
            cells.append(f"{verdict} {fit.headroom_bytes / GIB:+.1f}".rjust(width))
        rows.append(f"{card} GB card".ljust(20) + "".join(cells))
    return "\n".join(rows)
