"""The corruption matrix: every kind of file a store owns, garbled, truncated and deleted.

Each case damages one file of a copy of a reference store (ingested from text files, with
an upsert and a delete behind it) and asserts the only two outcomes allowed: the store
answers exactly as before (the damage was harmless, or was rebuilt on the fly), or it refuses
with one `StoreError` line. Whenever `check_store` finds damage, `repair_store` must bring the
exact answers back (every document here has a source file to read again); only a lost
`store.json` cannot be repaired, and says so.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from mnemonic import MnemonicStore, StoreError
from mnemonic.check import check_store
from mnemonic.repair import repair_store
from mnemonic.salvage import table_versions
from tests.mnemonic.conftest import SMALL_CHUNKS, make_documents

QUERIES = ["beetles in town 2", "volcanoes", "lanterns in town 3", "tea leaves"]

# kind -> which files of that kind (relative paths) a store holds
FILE_KINDS: dict[str, Callable[[Path], list[Path]]] = {
    "store.json": lambda root: [Path("store.json")],
    "commit.json": lambda root: [Path("commit.json")],
    "index.json": lambda root: [Path("index.json")],
    "index file": lambda root: sorted(p.relative_to(root) for p in root.glob("index-*.faiss")),
    "writer lock": lambda root: [Path(".writer.lock")],
}
for _table in ("chunks", "documents", "links"):
    FILE_KINDS |= {
        f"{_table} newest manifest": lambda root, t=_table: [
            table_versions(root, t)[0][1].relative_to(root)
        ],
        f"{_table} older manifest": lambda root, t=_table: [
            path.relative_to(root) for _v, path in table_versions(root, t)[1:]
        ],
        f"{_table} version hint": lambda root, t=_table: [
            Path(f"{t}.lance/_versions/latest_version_hint.json")
        ],
        f"{_table} data file": lambda root, t=_table: _files(root, f"{t}.lance/data"),
        f"{_table} deletion file": lambda root, t=_table: _files(root, f"{t}.lance/_deletions"),
        f"{_table} transaction file": lambda root, t=_table: _files(
            root, f"{t}.lance/_transactions"
        ),
    }
FILE_KINDS["chunks full-text index file"] = lambda root: sorted(
    p.relative_to(root) for p in (root / "chunks.lance" / "_indices").rglob("*") if p.is_file()
)
FOLDERS = ["chunks.lance", "documents.lance", "links.lance"]


def _files(root: Path, folder: str) -> list[Path]:
    return sorted(p.relative_to(root) for p in (root / folder).glob("*") if p.is_file())


def garble(path: Path) -> None:
    """Overwrite the middle half with random bytes (same size)."""
    data = bytearray(path.read_bytes())
    start, stop = len(data) // 4, max(len(data) // 4 + 1, 3 * len(data) // 4)
    rng = random.Random(0)
    data[start:stop] = bytes(rng.randrange(256) for _ in range(stop - start))[: len(data) - start]
    path.write_bytes(bytes(data))


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def delete(path: Path) -> None:
    shutil.rmtree(path) if path.is_dir() else path.unlink()


DAMAGES = {"garble": garble, "truncate": truncate, "delete": delete}


@pytest.fixture(scope="module")
def reference(tmp_path_factory, embedder, tokenizer):
    """A store of 8 text files, one replaced and one deleted since; its answers."""
    root = tmp_path_factory.mktemp("corruption")
    sources = root / "sources"
    sources.mkdir()
    for doc in make_documents(8):
        (sources / f"{doc.doc_id}.txt").write_text(doc.text)
    options = {"embedder": embedder, "tokenizer": tokenizer, "chunking": SMALL_CHUNKS}
    with MnemonicStore(root / "store", flush_rows=8, **options) as store:
        store.ingest_paths([sources])
        (sources / "doc3.txt").write_text("Changed text about volcanoes. " * 3)
        store.ingest_paths([sources])  # an upsert: deletion files in chunks
        store.delete("doc5.txt")
        (sources / "doc5.txt").unlink()
    return root / "store", options, answers(root / "store", options)


def answers(folder: Path, options: dict) -> tuple:
    """What a reader gets: top hits per query (FAISS), a filtered search, a lexical search, a
    chunk's linked chunks, counts. (Hybrid ranks fuse BM25 scores, which a rebuilt full-text
    index may score a little differently; its parts are compared one by one.)"""
    with MnemonicStore(folder, create=False, **options) as store:
        dense = [store.search(q, k=5, mode="dense") for q in QUERIES]
        hits = [[(h.id, round(h.score, 4)) for h in found] for found in dense]
        where = "doc_id = 'doc2.txt'"
        filtered = [h.id for h in store.search("beetles", k=3, where=where, mode="dense")]
        lexical = sorted(h.id for h in store.search("volcanoes", k=5, mode="lexical"))
        linked = sorted(n.chunk_id for n in store.neighbours(hits[0][0][0], k=5))
        got = store.get([hits[0][0][0]])[0].text
        stats = store.stats()
    return hits, filtered, lexical, linked, got, stats.documents, stats.chunks


MANY = (  # first and last
    "chunks data file",
    "chunks deletion file",
    "documents data file",
    "links data file",
    "chunks full-text index file",
)
ABSENT = ("documents deletion file",)  # LanceDB rewrites small documents fragments instead


def _cases() -> list[tuple[str, str, int]]:
    cases = [
        (kind, damage, which)
        for kind in FILE_KINDS
        if kind not in ABSENT
        for damage in DAMAGES
        for which in ((0, -1) if kind in MANY else (0,))
    ]
    return cases + [(folder, "delete", 0) for folder in FOLDERS]


def test_the_matrix_covers_every_file_a_store_owns(reference):
    folder, _options, _answers = reference
    covered = {path for kind in FILE_KINDS for path in FILE_KINDS[kind](folder)}
    owned = {p.relative_to(folder) for p in folder.rglob("*") if p.is_file()}
    assert owned == covered, f"files of no kind: {owned - covered}"
    for kind in FILE_KINDS:
        if kind not in ABSENT:
            assert FILE_KINDS[kind](folder), f"the reference store has no {kind}"


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "damage", "which"), _cases())
def test_damage_is_answered_exactly_or_refused_and_repaired(
    reference, tmp_path, kind, damage, which
):
    pristine, options, want = reference
    folder = tmp_path / "store"
    shutil.copytree(pristine, folder)
    targets = FILE_KINDS[kind](folder) if kind in FILE_KINDS else [Path(kind)]
    DAMAGES[damage](folder / targets[which])

    try:
        got = answers(folder, options)
    except StoreError as error:
        got = error
        assert "\n" not in str(error) and str(error)
    if not isinstance(got, StoreError):
        assert got == want  # never a silent wrong answer
    health = check_store(folder)
    if health.ok:
        assert got == want
        return
    assert not isinstance(got, tuple) or got == want
    if kind == "store.json":
        assert isinstance(got, StoreError) and "store.json" in str(got)
        with pytest.raises(StoreError, match="store manifest"):
            repair_store(folder, embedder=options["embedder"], tokenizer=options["tokenizer"])
        return
    report = repair_store(folder, embedder=options["embedder"], tokenizer=options["tokenizer"])
    assert not report.lost or report.lost == ("doc5.txt",)  # deleted, its file gone too
    assert answers(folder, options) == want
    assert check_store(folder).ok
