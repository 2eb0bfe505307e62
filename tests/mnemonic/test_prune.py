"""`ingest --prune`: a store kept in step with a folder (renames, deletions, lost records)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from hyperword.cli import cli
from tests.mnemonic.test_cli import offline_models  # noqa: F401  (fixture)

REPO = Path(__file__).resolve().parents[2]


def _corpus(root: Path) -> Path:
    folder = root / "corpus"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("The glass bridge crosses the river in Brask.")
    (folder / "sub" / "b.md").write_text("Zephyrine tea is brewed from kopa leaves.")
    records = [{"id": "r1", "text": "The lantern festival is held in Tallimar."},
               {"id": "r2", "text": "The saltbloom beetle lives on the salt flats."}]  # fmt: skip
    (folder / "notes.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n")
    return folder


def _doc_ids(store) -> set[str]:
    table = store._documents.search().select(["doc_id"]).limit(None).to_arrow()
    return set(table["doc_id"].to_pylist())


def _chunk_doc_ids(store) -> set[str]:
    table = store._chunks.search().select(["doc_id"]).limit(None).to_arrow()
    return set(table["doc_id"].to_pylist())


def test_prune_removes_documents_whose_files_are_gone(make_store, tmp_path):
    folder = _corpus(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    (other / "keep.txt").write_text("The observatory stands on a hill above the marsh.")
    store = make_store()
    store.ingest_paths([folder])
    store.ingest_paths([other])
    store.add_documents([{"doc_id": "api", "text": "Quibbit programs end with done."}])

    (folder / "a.txt").rename(folder / "renamed.txt")
    (folder / "sub" / "b.md").unlink()
    (folder / "notes.jsonl").write_text(json.dumps({"id": "r1", "text": "The festival."}))
    plain = store.ingest_paths([folder])  # without --prune the old documents stay
    assert plain.documents_pruned == 0 and {"a.txt", "sub/b.md", "r2"} <= _doc_ids(store)

    report = store.ingest_paths([folder], prune=True)
    assert report.documents_pruned == 3
    assert _doc_ids(store) == {"renamed.txt", "r1", "keep.txt", "api"}
    assert _chunk_doc_ids(store) == _doc_ids(store)
    hits = store.search("glass bridge over the river", k=10)
    assert [h.doc_id for h in hits].count("renamed.txt") == 1 and "a.txt" not in {
        h.doc_id for h in hits
    }
    again = store.ingest_paths([folder], prune=True)
    assert again.documents_pruned == 0 and again.documents_written == 0


def test_a_file_that_became_unreadable_keeps_its_documents(make_store, tmp_path):
    folder = _corpus(tmp_path)
    store = make_store()
    store.ingest_paths([folder])
    (folder / "a.txt").write_bytes(b"caf\xe9 is not UTF-8")
    report = store.ingest_paths([folder], prune=True)
    assert report.documents_pruned == 0 and "a.txt" in _doc_ids(store)
    assert any("not valid UTF-8" in s.reason for s in report.skipped)


def test_cli_prune_flag(tmp_path, offline_models):  # noqa: F811
    folder = _corpus(tmp_path)
    store = tmp_path / "store"
    runner = CliRunner()
    command = ["ingest", str(folder), "--store", str(store), "--no-progress"]
    assert runner.invoke(cli, command).exit_code == 0
    (folder / "a.txt").unlink()
    result = runner.invoke(cli, [*command, "--prune"])
    assert result.exit_code == 0, result.output
    assert "1 pruned" in result.output and "3 documents" in result.output


@pytest.mark.slow
def test_prune_killed_mid_delete_is_finished_by_the_next_run(make_store, tmp_path):
    folder = _corpus(tmp_path)
    store_dir = tmp_path / "store"
    store = make_store("store")
    store.ingest_paths([folder])
    store.close()
    (folder / "a.txt").unlink()
    worker = subprocess.run(
        [sys.executable, "-m", "tests.mnemonic.prune_worker", str(store_dir), str(folder)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert worker.returncode == -signal.SIGKILL, worker.stderr
    store = make_store("store")
    assert "a.txt" not in _doc_ids(store) and "a.txt" in _chunk_doc_ids(store)  # the crash
    report = store.ingest_paths([folder], prune=True)  # any ingest run cleans up
    assert report.documents_pruned == 0
    assert "a.txt" not in _chunk_doc_ids(store)
    assert all(h.doc_id != "a.txt" for h in store.search("glass bridge", k=10))
