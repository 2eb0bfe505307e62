"""The Ray engine's inputs, checked without starting Ray: files listed, Parquet read, options."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
from click.testing import CliRunner

from hyperword.cli import cli
from mnemonic.readers import SkippedInput, iter_input_files, iter_path_documents


def test_input_files_are_the_files_the_single_process_ingest_reads(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.md").write_text("alpha")
    (tmp_path / "b.txt").write_text("beta")
    (tmp_path / "c.bin").write_bytes(b"x")
    (tmp_path / ".hidden.txt").write_text("hidden")
    skipped: list[SkippedInput] = []
    files = list(iter_input_files([tmp_path, tmp_path / "missing.txt"], skipped=skipped))
    assert [doc_id for _, doc_id in files] == ["b.txt", "sub/a.md"]
    docs = list(iter_path_documents([tmp_path], block_chars=1024, skipped=[]))
    assert [d.doc_id for d in docs] == ["b.txt", "sub/a.md"]
    assert [s.reason for s in skipped] == ["no such file or folder"]


def test_parquet_rows_are_documents_like_jsonl_lines(tmp_path):
    rows = [
        {"id": "x", "text": "The glass bridge.", "lang": "en"},
        {"id": None, "text": "Zephyrine tea.", "lang": "fr"},
        {"id": "z", "text": "  ", "lang": "en"},
    ]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "d.parquet")
    (tmp_path / "d.jsonl").write_text(
        '{"id": "x", "text": "The glass bridge.", "lang": "en"}\n'
        '{"text": "Zephyrine tea.", "lang": "fr"}\n'
    )
    (tmp_path / "bad.parquet").write_bytes(b"not parquet at all")
    skipped: list[SkippedInput] = []
    docs = list(iter_path_documents([tmp_path], block_chars=1024, skipped=skipped))
    by_file = {d.source.split(":")[0].rsplit("/", 1)[1]: d for d in docs if d.doc_id != "x"}
    parquet = [d for d in docs if d.source.startswith(str(tmp_path / "d.parquet"))]
    assert [d.doc_id for d in parquet] == ["x", "d.parquet#2"]
    assert parquet[1].metadata == {"source": str(tmp_path / "d.parquet"), "lang": "fr"}
    assert "".join(parquet[0].blocks()) == "The glass bridge."
    assert by_file["d.jsonl"].metadata["lang"] == "fr"
    reasons = {s.path.rsplit("/", 1)[1]: s.reason for s in skipped}
    assert reasons["d.parquet:3"] == "row has no text"
    assert reasons["bad.parquet"].startswith("not a readable Parquet file")


def test_workers_without_the_ray_engine_is_a_usage_error(tmp_path):
    (tmp_path / "a.txt").write_text("alpha")
    args = ["ingest", str(tmp_path / "a.txt"), "--store", str(tmp_path / "s"), "--workers", "2"]
    result = CliRunner().invoke(cli, args)
    assert (
        result.exit_code == 2 and "--workers and --ray-address need --engine ray" in result.output
    )
