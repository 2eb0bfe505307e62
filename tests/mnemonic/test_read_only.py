"""A store that cannot be written: writes fail up front in one line, searches still work.

Two cases: an immutable store folder (its files and table folders still writable: the old
failure was half-way, on the FAISS file) and a whole read-only tree. As root, permissions do
not stop writes, so the test uses `chattr +i` there (skipped where that is not allowed).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from hyperword.cli import cli
from mnemonic import StoreReadOnlyError
from tests.mnemonic.conftest import make_documents
from tests.mnemonic.test_cli import offline_models  # noqa: F401 - a fixture


def _chattr(flag: str, folder: Path, recursive: bool) -> bool:
    command = ["chattr", *(["-R"] if recursive else []), flag, str(folder)]
    return shutil.which("chattr") is not None and subprocess.run(command).returncode == 0


@contextlib.contextmanager
def unwritable(folder: Path, *, recursive: bool) -> Iterator[None]:
    """`folder` (and, when `recursive`, everything under it) cannot be written."""
    paths = [folder, *(folder.rglob("*") if recursive else [])]
    if os.geteuid() == 0:
        if not _chattr("+i", folder, recursive):
            pytest.skip("root, and chattr +i is not allowed here")
        try:
            yield
        finally:
            _chattr("-i", folder, recursive)
        return
    modes = {path: path.stat().st_mode for path in paths}
    for path in paths:
        path.chmod(modes[path] & ~0o222)
    try:
        yield
    finally:
        for path in reversed(paths):
            path.chmod(modes[path])


@pytest.mark.parametrize("recursive", [False, True], ids=["immutable folder", "read-only tree"])
def test_an_unwritable_store_refuses_writes_and_still_searches(
    make_store,
    tmp_path,
    recursive,
    offline_models,  # noqa: F811
):
    store = make_store()
    store.add_documents(make_documents(3))
    want = [h.id for h in store.search("tea leaves in town 1", k=3, mode="dense")]
    store.close()
    folder = tmp_path / "store"
    (tmp_path / "new.txt").write_text("A new note about observatories.")
    runner = CliRunner()
    with unwritable(folder, recursive=recursive):
        reader = make_store()
        assert [h.id for h in reader.search("tea leaves in town 1", k=3, mode="dense")] == want
        with pytest.raises(StoreReadOnlyError, match=r"cannot be written.*still be searched"):
            reader.add_documents(make_documents(1, prefix="new"))
        with pytest.raises(StoreReadOnlyError):
            reader.delete("doc0")
        ingest = ["ingest", str(tmp_path / "new.txt"), "--store", str(folder), "--no-progress"]
        result = runner.invoke(cli, ingest)
        assert result.exit_code == 1
        assert (
            result.output.strip().startswith("Error: store")
            and len(result.output.strip().splitlines()) == 1
        )
        found = runner.invoke(cli, ["search", "tea leaves", "--store", str(folder), "-k", "1"])
        assert found.exit_code == 0 and "doc" in found.output
        assert [h.id for h in reader.search("tea leaves in town 1", k=3, mode="dense")] == want
    writer = make_store()  # writable again: nothing was lost or half-written
    writer.add_documents(make_documents(1, prefix="new"))
    assert writer.stats().documents == 4
    assert [h.id for h in writer.search("tea leaves in town 1", k=3, mode="dense")] == want
