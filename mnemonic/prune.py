"""Keeping a store in step with folders (`hyperword ingest FOLDER --prune`).

A document read from a file records where it came from (the `documents` table's `source`:
the file's resolved path, with `:N` for line N of a JSON-lines file). After an ingest run
over folders, the documents whose source lies under one of those folders but that the run
did not read are stale: their file was renamed, moved or deleted, or their record left its
file. `prune_stale` deletes them through `MnemonicStore.delete_documents`. A file that is
still there but was skipped in this run (it became unreadable) keeps its documents.

Safe under SIGKILL like ingest: a document's row is deleted before its chunks, so a crash
leaves at worst chunks no committed document owns, which every ingest run removes; running
`--prune` again finishes the rest. Documents added through the API (no source) and those
under other folders are never touched.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mnemonic.readers import SkippedInput

if TYPE_CHECKING:
    from mnemonic.store import MnemonicStore

__all__ = ["prune_stale", "stale_documents"]

_LINE = re.compile(r"^(?P<file>.+):(?P<line>\d+)$")


def _source_file(source: str) -> str:
    """The file part of a `documents.source` (`/a/b.jsonl:3` -> `/a/b.jsonl`), resolved."""
    match = _LINE.match(source)
    if match and not Path(source).exists():
        source = match["file"]
    return str(Path(source).resolve())  # sources of older stores may be relative


def stale_documents(
    store: MnemonicStore,
    roots: Sequence[Path],
    *,
    seen: set[str],
    skipped: Iterable[SkippedInput] = (),
) -> list[str]:
    """Ids of documents from files under `roots` that this run did not read (`seen`)."""
    tops = [str(Path(root).resolve()) + os.sep for root in roots]
    unreadable = {_source_file(s.path) for s in skipped if Path(s.path).is_file()}
    store._documents.checkout_latest()
    table = store._documents.search().select(["doc_id", "source"]).limit(None).to_arrow()
    stale = []
    for doc_id, source in zip(
        table["doc_id"].to_pylist(), table["source"].to_pylist(), strict=True
    ):
        if source is None or doc_id in seen:
            continue
        file = _source_file(source)
        if any(file.startswith(top) for top in tops) and file not in unreadable:
            stale.append(doc_id)
    return sorted(stale)


def prune_stale(
    store: MnemonicStore,
    roots: Sequence[Path],
    *,
    seen: set[str],
    skipped: Iterable[SkippedInput] = (),
) -> int:
    """Delete the stale documents under `roots` (see `stale_documents`); how many went."""
    if not roots:
        return 0
    stale = stale_documents(store, roots, seen=seen, skipped=skipped)
    if not stale:
        return 0
    return store.delete_documents(stale).documents
