"""`hyperword tokenizer`: train a hyperword tokenizer and measure how much it shortens text."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import click

__all__ = ["TokenStats", "tokenizer_group"]


@dataclass
class TokenStats:
    """Token counts of one file under the base tokenizer and the hyperword tokenizer."""

    file: str
    words: int
    base_tokens: int
    hyperword_tokens: int

    @property
    def ratio(self) -> float:
        """Hyperword tokens per base token (lower is better)."""
        return self.hyperword_tokens / self.base_tokens if self.base_tokens else 1.0


def _read_texts(paths: tuple[str, ...]) -> list[str]:
    return [Path(path).read_text(encoding="utf-8") for path in paths]


@click.group("tokenizer")
def tokenizer_group() -> None:
    """Hyperword tokenizers: frequent multi-word phrases as single, exactly reversible ids."""


@tokenizer_group.command("train")
@click.argument("corpus", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--base",
    default="gemma-3-270m",
    show_default=True,
    help="Base tokenizer: a model alias, a model folder, or a tokenizer folder.",
)
@click.option(
    "--vocab-size",
    "num_hyperwords",
    required=True,
    type=click.IntRange(min=0),
    help="Number of hyperword ids to learn (on top of the base vocabulary).",
)
@click.option("--trainer", default="ngram", show_default=True, help="Registered trainer name.")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Output folder.")
def train_command(
    corpus: tuple[str, ...], base: str, num_hyperwords: int, trainer: str, out: str
) -> None:
    """Learn hyperwords from CORPUS files (UTF-8 text) and save the tokenizer to --out."""
    from hyperword.tokenizer import HyperwordTokenizer
    from hyperword.tokenizer.base import resolve_base_tokenizer

    base_tokenizer = resolve_base_tokenizer(base)
    tokenizer = HyperwordTokenizer.train(
        _read_texts(corpus), base_tokenizer, num_hyperwords=num_hyperwords, trainer=trainer
    )
    tokenizer.save_pretrained(out)
    click.echo(f"saved {tokenizer.num_hyperwords} hyperwords over '{base}' to {out}")


@tokenizer_group.command("stats")
@click.option(
    "--tokenizer",
    "folder",
    required=True,
    type=click.Path(exists=True, file_okay=False),
    help="A folder written by `hyperword tokenizer train`.",
)
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def stats_command(folder: str, files: tuple[str, ...], as_json: bool) -> None:
    """Count base tokens and hyperword tokens in FILES, and their ratio."""
    from hyperword.tokenizer import HyperwordTokenizer
    from hyperword.tokenizer.base import base_encode_batch

    tokenizer = HyperwordTokenizer.from_pretrained(folder)
    stats = []
    for path, text in zip(files, _read_texts(files), strict=True):
        base_ids = base_encode_batch(tokenizer.base_tokenizer, [text])[0]
        stats.append(
            TokenStats(path, len(text.split()), len(base_ids), len(tokenizer.encode(text)))
        )
    if as_json:
        rows = [{**asdict(s), "ratio": s.ratio} for s in stats]
        click.echo(json.dumps(rows, indent=2))
        return
    click.echo(f"{'file':<40} {'words':>9} {'base':>9} {'hyperword':>9} {'ratio':>6}")
    for s in stats:
        click.echo(
            f"{s.file:<40} {s.words:>9,} {s.base_tokens:>9,} {s.hyperword_tokens:>9,} "
            f"{s.ratio:>6.3f}"
        )
