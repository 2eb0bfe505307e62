"""`hyperword store check DIR [--repair]`: a store's health, and its repair."""

from __future__ import annotations

import sys
from pathlib import Path

import click

__all__ = ["store_group"]


@click.group("store")
def store_group() -> None:
    """Look after a memory store folder."""


@store_group.command("check")
@click.argument("store_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--repair",
    is_flag=True,
    help="Rebuild what is damaged: keep the rows that read back whole, ingest lost documents "
    "again from their source files, rebuild the FAISS index.",
)
@click.option("--progress/--no-progress", default=True, show_default=True, help="Progress bar.")
def check_command(store_dir: Path, repair: bool, progress: bool) -> None:
    """Read every file of the store in STORE_DIR and report what is damaged.

    Exit status 0 when the store is healthy (after the repair, with --repair), 1 otherwise.
    """
    from mnemonic.check import check_store

    health = check_store(store_dir)
    _echo_health(health)
    if repair and not health.ok:
        _repair(store_dir, progress)
        health = check_store(store_dir)
        _echo_health(health)
    elif repair and any(note.startswith("FAISS index") for note in health.notes):
        _rebuild_index(store_dir)
        click.echo("rebuilt the FAISS index")
    if not health.ok:
        if not repair:
            click.echo(f"run `hyperword store check {store_dir} --repair` to rebuild what it can")
        sys.exit(1)


def _echo_health(health) -> None:
    state = "ok" if health.ok else "DAMAGED"
    click.echo(
        f"store {health.path}: {state}: {health.documents} documents, {health.chunks} chunks"
    )
    for problem in health.problems:
        click.echo(f"  problem: {problem}")
    for note in health.notes:
        click.echo(f"  note: {note}")


def _repair(store_dir: Path, progress: bool) -> None:
    from mnemonic.repair import repair_store

    report = repair_store(store_dir, progress=progress)
    click.echo(
        f"repaired: kept {report.kept} documents, rebuilt {len(report.recommitted)} from their "
        f"chunks, ingested {len(report.restored)} again from their sources; "
        f"replaced files moved to {report.quarantine}"
    )
    if report.lost:
        shown = ", ".join(report.lost[:10]) + (" ..." if len(report.lost) > 10 else "")
        click.echo(f"lost {len(report.lost)} documents with no source to read again: {shown}")
        click.echo("add them again (hyperword ingest, or POST /v1/memory)")


def _rebuild_index(store_dir: Path) -> None:
    from mnemonic import MnemonicStore

    with MnemonicStore(store_dir, create=False) as store, store.writing():
        store.sync_index(persist=True, rebuild=True)
