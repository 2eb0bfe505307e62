"""`hyperword store check --repair`: rebuild a damaged store from what can be read and its sources.

Under the writer lock, `repair_store` plans (`mnemonic.repair_plan`), then writes the rows it
keeps into fresh `chunks` and `documents` tables, swaps them in (the damaged table folders,
index files and commit record move to `.damaged/<time>/`), writes a new commit record and
lets the FAISS index be rebuilt. Then documents it could not keep are ingested again from
their source files when those still exist (text files by path, JSONL lines by path and line).
Documents added from memory (no source) that could not be kept are listed: add them again.

A repair is not atomic: if it is interrupted, run it again.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mnemonic.commit import COMMIT_RECORD, CommitRecord
from mnemonic.index_file import INDEX_FILES, SIDECAR
from mnemonic.links import LINKS
from mnemonic.manifest import StoreManifest
from mnemonic.repair_plan import RepairPlan, plan_repair
from mnemonic.writer_lock import WriterLock

__all__ = ["QUARANTINE", "RepairReport", "repair_store"]

QUARANTINE = ".damaged"


@dataclass(frozen=True)
class RepairReport:
    """What `repair_store` did.

    Attributes:
        kept: Documents kept as they were.
        recommitted: Documents rebuilt from their chunk rows alone (no readable
            `documents` row).
        restored: Documents ingested again from their source files.
        lost: Documents that could not be restored: add or ingest them again.
        rows_unreadable: Chunk rows LanceDB could not read at the newest version.
        quarantine: Where the replaced files were moved (None when nothing was replaced).
    """

    path: str
    kept: int
    recommitted: tuple[str, ...]
    restored: tuple[str, ...]
    lost: tuple[str, ...]
    rows_unreadable: int
    quarantine: str | None


def repair_store(
    path: str | Path, *, embedder: Any = None, tokenizer: Any = None, progress: bool = False
) -> RepairReport:
    """Rebuild the store in `path` from its readable rows and its documents' sources.

    Args:
        path: The store folder (its `store.json` must be readable).
        embedder: The store's embedder (loaded from the manifest when omitted and needed).
        tokenizer: The base model's tokenizer (likewise).
        progress: Show a progress bar while ingesting sources again.

    Raises:
        StoreError: `store.json` cannot be read (restore it; nothing else can say what built
            the vectors).
        StoreBusyError: Another process is writing.
        StoreReadOnlyError: The store cannot be written.
    """
    import lancedb

    folder = Path(path)
    manifest = StoreManifest.load(folder)
    with WriterLock(folder).hold():
        db = lancedb.connect(str(folder))
        quarantine = folder / QUARANTINE / time.strftime("%Y%m%d-%H%M%S")
        quarantine.mkdir(parents=True, exist_ok=True)
        chunk_tokens = int(manifest.chunking["chunk_tokens"])
        plan = plan_repair(
            db,
            folder,
            dim=manifest.embedding_dim,
            chunk_tokens=chunk_tokens,
            quarantine=quarantine,
        )
        _swap_in(db, folder, plan, quarantine)
    restored, lost = _ingest_again(folder, plan, embedder, tokenizer, progress)
    _rebuild_derived(folder, embedder, tokenizer)
    return RepairReport(
        path=str(folder),
        kept=len(plan.kept),
        recommitted=tuple(plan.recommitted),
        restored=tuple(restored),
        lost=tuple(lost),
        rows_unreadable=plan.rows_unreadable,
        quarantine=str(quarantine),
    )


def _swap_in(db: Any, folder: Path, plan: RepairPlan, quarantine: Path) -> None:
    """Write the kept rows as new tables and move the old ones (and the index) aside."""
    versions = {}
    for name, rows in (("chunks", plan.chunks), ("documents", plan.documents)):
        fresh = f"{name}-repaired"
        shutil.rmtree(folder / f"{fresh}.lance", ignore_errors=True)
        table = db.create_table(fresh, data=rows, schema=rows.schema)
        versions[name] = table.version
        if (folder / f"{name}.lance").exists():
            os.replace(folder / f"{name}.lance", quarantine / f"{name}.lance")
        os.replace(folder / f"{fresh}.lance", folder / f"{name}.lance")
    derived = folder / f"{LINKS}.lance"  # the link table: derived from the chunks, re-derived
    for stale in [derived, folder / SIDECAR, folder / COMMIT_RECORD, *folder.glob(INDEX_FILES)]:
        if stale.exists():
            os.replace(stale, quarantine / stale.name)
    CommitRecord(versions["chunks"], versions["documents"], time.time()).write(folder)


def _rebuild_derived(folder: Path, embedder: Any, tokenizer: Any) -> None:
    """The full-text index, the link table and the FAISS index, from the repaired chunks."""
    from mnemonic.store import MnemonicStore

    store = MnemonicStore(folder, embedder=embedder, tokenizer=tokenizer, create=False)
    with store, store.writing():
        store.sync_lexical_and_links(rebuild=True)
        store.sync_index(persist=True, rebuild=True)


def _ingest_again(
    folder: Path, plan: RepairPlan, embedder: Any, tokenizer: Any, progress: bool
) -> tuple[list[str], list[str]]:
    """Ingest the lost documents from their sources; returns (restored, still lost) ids."""
    from mnemonic.ingest import run_ingest
    from mnemonic.store import MnemonicStore

    lost = {doc["doc_id"]: doc for doc in plan.lost}
    if not lost:
        return [], []
    store = MnemonicStore(folder, embedder=embedder, tokenizer=tokenizer, create=False)
    with store:
        sources = list(_sources(lost, store.chunking.block_chars))
        if sources:
            run_ingest(store, sources, skipped=[], progress=progress)
    restored = sorted({source.doc_id for source in sources})
    return restored, sorted(set(lost) - set(restored))


def _sources(lost: dict[str, dict[str, Any]], block_chars: int) -> Iterator[Any]:
    """The lost documents read again from their source files, under their recorded ids."""
    from mnemonic.readers import SkippedInput, iter_path_documents

    wanted: dict[str, dict[str, str]] = {}  # file -> source string -> doc_id
    for doc_id, doc in lost.items():
        source = doc.get("source") or ""
        file = source
        head, _, line = source.rpartition(":")
        if not Path(source).is_file() and line.isdigit() and Path(head).is_file():
            file = head
        if Path(file).is_file():
            wanted.setdefault(file, {})[source] = doc_id
    for file, by_source in wanted.items():
        skipped: list[SkippedInput] = []
        for source in iter_path_documents([file], block_chars=block_chars, skipped=skipped):
            doc_id = by_source.get(source.source or "")
            if doc_id is not None:
                yield dataclasses.replace(source, doc_id=doc_id)
