"""`hyperword ingest` and `hyperword search`: the memory store from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import click

from mnemonic.hybrid import DEFAULT_MODE, SEARCH_MODES

__all__ = ["ingest_command", "search_command"]


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--store",
    "store_dir",
    required=True,
    type=click.Path(path_type=Path),
    help="Store folder (created when missing).",
)
@click.option(
    "--model",
    default=None,
    help="Base model whose tokenizer counts chunk tokens (new stores; default gemma-3-270m).",
)
@click.option(
    "--embedder", default=None, help="Retrieval embedder (new stores; default all-minilm-l6-v2)."
)
@click.option(
    "--chunk-tokens",
    type=click.IntRange(min=8),
    default=None,
    help="Max base-model tokens per chunk (new stores; default 128).",
)
@click.option(
    "--overlap-tokens",
    type=click.IntRange(min=0),
    default=None,
    help="Tokens repeated between chunks (new stores; default 16).",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=64,
    show_default=True,
    help="Texts per embedder call.",
)
@click.option(
    "--index",
    "index_kind",
    default="auto",
    show_default=True,
    help="FAISS index kind: auto, flat, hnsw or ivfpq.",
)
@click.option(
    "--hyperword-tokenizer",
    "hyperword_tokenizer",
    default=None,
    help="Also store each chunk's hyperword ids: a tokenizer folder, or a shipped one "
    "(gemma-3-270m). The store records it and refuses another one later.",
)
@click.option(
    "--encoder",
    "encoder_spec",
    default=None,
    help="Also store scene and concept soft tokens: an encoder folder, or 'default' (the "
    "shipped one for gemma-3-270m). The store records it and refuses another one later.",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="local: this process; ray: Ray Data worker pools (pip install 'hyperword[ray]').",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Ray encoding workers, each with its own embedder and encoders (default 1).",
)
@click.option(
    "--ray-address",
    default=None,
    help="A Ray cluster to join (e.g. auto or HOST:PORT); without it a local Ray starts.",
)
@click.option(
    "--prune",
    is_flag=True,
    help="Keep the store in step with the folders given: also delete the documents read "
    "from them before whose file (or JSON-lines record) is gone.",
)
@click.option(
    "--follow-symlinks",
    is_flag=True,
    help="Read symbolic links in folders that lead outside them (skipped by default).",
)
@click.option(
    "--progress/--no-progress",
    default=True,
    show_default=True,
    help="Show a progress bar with chunks/s.",
)
def ingest_command(
    paths: tuple[Path, ...],
    store_dir: Path,
    model: str | None,
    embedder: str | None,
    chunk_tokens: int | None,
    overlap_tokens: int | None,
    batch_size: int,
    index_kind: str,
    hyperword_tokenizer: str | None,
    encoder_spec: str | None,
    engine: str,
    workers: int | None,
    ray_address: str | None,
    prune: bool,
    follow_symlinks: bool,
    progress: bool,
) -> None:
    """Chunk, embed and store files and folders (.txt, .md, .jsonl, .parquet; .gz too).

    With --engine ray the work runs on Ray Data worker pools and writes the same rows.
    Re-running is cheap: unchanged documents are skipped, changed ones replaced, and an
    interrupted run picks up where it stopped. A file's doc_id is its path relative to the
    folder given (or its name, for a file given directly). Files are read as UTF-8 (see
    docs/store.md); an unusable file is skipped with its reason, and nothing usable at all
    is an error.
    """
    from mnemonic import IndexConfig, InputFileError, MnemonicStore

    if engine != "ray" and (workers is not None or ray_address is not None):
        raise click.UsageError("--workers and --ray-address need --engine ray")
    if engine == "ray" and prune:
        raise click.UsageError("--prune needs the local engine")
    store = MnemonicStore(
        store_dir,
        embedder=_load_embedder(embedder),
        base_model=model,
        chunking=_chunking(chunk_tokens, overlap_tokens),
        index=IndexConfig(kind=index_kind),
        encoders=_chunk_encoders(hyperword_tokenizer, encoder_spec),
        batch_size=batch_size,
    )
    ray = {"workers": workers, "batch_size": batch_size, "ray_address": ray_address}
    local = {"prune": prune, "follow_symlinks": follow_symlinks}
    with store:
        report = _ingest(store, paths, engine=engine, progress=progress, **ray, **local)
        stats = store.stats()
    _echo_report(report, prune=prune)
    click.echo(
        f"store {store_dir}: {stats.documents} documents, {stats.chunks} chunks, "
        f"{stats.bytes_on_disk / 1e6:.1f} MB, index {stats.index_kind}"
    )
    if report.documents_seen == 0 and report.skipped:
        raise InputFileError(f"nothing could be ingested: {_skipped_line(report.skipped)}")


def _ingest(store, paths, *, engine, workers, batch_size, ray_address, progress, **options):
    """Ingest with the engine asked for; returns the `IngestReport`."""
    if engine != "ray":
        return store.ingest_paths(paths, progress=progress, **options)
    from mnemonic import ingest_files

    return ingest_files(
        paths,
        store,
        workers=workers or 1,
        batch_size=batch_size,
        address=ray_address,
        progress=progress,
        follow_symlinks=options["follow_symlinks"],
    )


def _echo_report(report, *, prune: bool) -> None:
    """The ingest report: counts, rate, seconds per stage, skipped inputs with their reason."""
    pruned = f", {report.documents_pruned} pruned" if prune else ""
    click.echo(
        f"ingested {report.chunks_written} chunks from {report.documents_written} documents "
        f"({report.documents_unchanged} unchanged, {len(report.skipped)} inputs skipped"
        f"{pruned}) in {report.seconds:.1f} s ({report.chunks_per_second:.1f} chunks/s)"
    )
    stages = ", ".join(f"{name} {s:.1f}" for name, s in report.stage_seconds.items())
    click.echo(f"seconds per stage (summed over workers): {stages}")
    for item in report.skipped[:20]:
        click.echo(f"skipped {item.path}: {item.reason}", err=True)
    if len(report.skipped) > 20:
        click.echo(f"... and {len(report.skipped) - 20} more skipped inputs", err=True)


@click.command("search")
@click.argument("query")
@click.option(
    "--store", "store_dir", required=True, type=click.Path(path_type=Path), help="Store folder."
)
@click.option(
    "-k", "k", type=click.IntRange(min=1), default=5, show_default=True, help="Number of hits."
)
@click.option("--where", default=None, help="SQL filter on chunk columns, e.g. \"doc_id = 'a'\".")
@click.option(
    "--mode",
    type=click.Choice(SEARCH_MODES),
    default=DEFAULT_MODE,
    show_default=True,
    help="hybrid: dense and BM25 rankings fused by reciprocal rank; dense: cosine; lexical: BM25.",
)
@click.option("--links", is_flag=True, help="Also show each hit's linked chunks (neighbours).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def search_command(
    query: str, store_dir: Path, k: int, where: str | None, mode: str, links: bool, as_json: bool
) -> None:
    """Find the chunks that best match QUERY, best first (score: cosine similarity)."""
    from mnemonic import MnemonicStore

    with MnemonicStore(store_dir, create=False) as store:
        hits = store.search(query, k=k, where=where, mode=mode)
        found = [hit.to_dict() for hit in hits]
        for hit, data in zip(hits, found, strict=True):
            if links:
                data["neighbours"] = [n.to_dict() for n in store.neighbours(hit.id, k=5)]
    if as_json:
        click.echo(json.dumps(found, indent=2, ensure_ascii=False))
        return
    if not hits:
        click.echo("no hits")
    for rank, data in enumerate(found, start=1):
        click.echo(f"{rank}. {data['score']:.3f}  {data['doc_id']}  (chunk {data['chunk_index']})")
        click.echo("   " + data["text"].replace("\n", "\n   "))
        for neighbour in data.get("neighbours", ()):
            shared = ", ".join(neighbour["shared"])
            click.echo(f"   -> {neighbour['doc_id']} (chunk {neighbour['chunk_id'][:8]}): {shared}")


def _chunking(chunk_tokens: int | None, overlap_tokens: int | None):
    """The chunking asked for (None: the store's, or the default for a new store)."""
    from mnemonic import ChunkingConfig

    if chunk_tokens is None and overlap_tokens is None:
        return None
    defaults = ChunkingConfig()
    return ChunkingConfig(
        chunk_tokens=chunk_tokens or defaults.chunk_tokens,
        overlap_tokens=defaults.overlap_tokens if overlap_tokens is None else overlap_tokens,
    )


def _chunk_encoders(hyperword_tokenizer: str | None, encoder_spec: str | None) -> list:
    """The chunk encoders of `--hyperword-tokenizer` and `--encoder`."""
    from mnemonic import create_chunk_encoder

    encoders = []
    if hyperword_tokenizer is not None:
        encoders.append(create_chunk_encoder("hyperword", path=hyperword_tokenizer))
    if encoder_spec is not None:
        from hyperword.encoder import HyperwordEncoder
        from mnemonic import soft_chunk_encoders

        path = None if encoder_spec == "default" else encoder_spec
        encoders.extend(soft_chunk_encoders(HyperwordEncoder.from_pretrained(path)))
    return encoders


def _skipped_line(skipped: list) -> str:
    """The skipped inputs and their reasons, on one line."""
    shown = "; ".join(f"{s.path}: {s.reason}" for s in skipped[:5])
    return shown + (f" (and {len(skipped) - 5} more)" if len(skipped) > 5 else "")


def _load_embedder(name: str | None):
    if name is None:
        return None
    from hyperword.models import load_embedder

    return load_embedder(name)
