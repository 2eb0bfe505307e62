"""`hyperword tokenizer`: train a hyperword tokenizer and measure how much it shortens text."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass

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


def _read_blocks(path: str, skipped: list) -> Iterator[list[str]]:
    """Each document of `path` as its text blocks, read as ingest reads them."""
    from mnemonic.chunking import ChunkingConfig
    from mnemonic.readers import iter_path_documents

    block_chars = ChunkingConfig().block_chars
    found: list = []
    for document in iter_path_documents([path], block_chars=block_chars, skipped=found):
        yield list(document.blocks())
    for item in found:
        click.echo(f"skipped {item.path}: {item.reason}", err=True)
    skipped.extend(found)


def _nothing_read(skipped: list) -> None:
    """Raise the one error line for inputs none of which could be read."""
    from hyperword.text_files import TextFileError

    reasons = "; ".join(f"{s.path}: {s.reason}" for s in skipped[:5]) or "no input"
    more = f" (and {len(skipped) - 5} more)" if len(skipped) > 5 else ""
    raise TextFileError(f"nothing could be read: {reasons}{more}")


def _file_stats(tokenizer, path: str, skipped: list) -> TokenStats | None:
    """Token counts of the documents of `path` (None when none could be read)."""
    from hyperword.tokenizer.base import base_encode_batch

    stats, found = TokenStats(path, 0, 0, 0), False
    for blocks in _read_blocks(path, skipped):
        found = True
        for block in blocks:
            stats.words += len(block.split())
            stats.base_tokens += len(base_encode_batch(tokenizer.base_tokenizer, [block])[0])
            stats.hyperword_tokens += len(tokenizer.encode(block))
    return stats if found else None


@click.group("tokenizer")
def tokenizer_group() -> None:
    """Hyperword tokenizers: frequent multi-word phrases as single, exactly reversible ids."""


@tokenizer_group.command("train")
@click.argument("corpus", nargs=-1, required=True, type=click.Path(exists=True))
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
    """Learn hyperwords from CORPUS files and folders; save the tokenizer to --out.

    Files are read as `hyperword ingest` reads them (.txt, .md, .jsonl, .gz; UTF-8, line
    ends as \\n); an unusable file is skipped with its reason.
    """
    from hyperword.tokenizer import HyperwordTokenizer
    from hyperword.tokenizer.base import resolve_base_tokenizer

    skipped: list = []
    # blocks (~256k characters, cut at line ends) bound what the base tokenizer takes at once
    texts = [block for path in corpus for blocks in _read_blocks(path, skipped) for block in blocks]
    if not texts:
        _nothing_read(skipped)
    base_tokenizer = resolve_base_tokenizer(base)
    tokenizer = HyperwordTokenizer.train(
        texts, base_tokenizer, num_hyperwords=num_hyperwords, trainer=trainer
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
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def stats_command(folder: str, files: tuple[str, ...], as_json: bool) -> None:
    """Count base tokens and hyperword tokens in FILES, and their ratio.

    Files are read, and counted block by block, as `hyperword ingest` reads and chunks them,
    so the base tokens match the chunk tokens ingest stores (with no overlap).
    """
    from hyperword.tokenizer import HyperwordTokenizer

    tokenizer = HyperwordTokenizer.from_pretrained(folder)
    skipped: list = []
    stats = [_file_stats(tokenizer, path, skipped) for path in files]
    stats = [s for s in stats if s is not None]
    if not stats:
        _nothing_read(skipped)
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
