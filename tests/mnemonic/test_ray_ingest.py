"""The Ray engine on a local Ray (2 CPUs): the rows of a single-process ingest, its guarantees."""

from __future__ import annotations

import numpy as np
import pytest

from mnemonic import (
    HyperwordChunkEncoder,
    ingest_dataset,
    ingest_files,
    load_soft_chunk_encoders,
)
from tests.mnemonic.conftest import make_documents
from tests.mnemonic.ray_corpus import ROW_COLUMNS, store_documents, store_rows, write_corpus

pytestmark = pytest.mark.slow
N_FILES = 60
LEVEL_COLUMNS = ["vector", "hyperword_ids", "scene_vectors", "concept_vectors"]


@pytest.fixture(scope="module")
def encoders(tokenizer, tmp_path_factory):
    """A tiny hyperword tokenizer, and a tiny soft encoder saved in a folder (with its base
    model), which the Ray workers load themselves."""
    from hyperword.encoder import HyperwordEncoder
    from hyperword.tokenizer import HyperwordTokenizer
    from tests.conftest import build_tiny_model
    from tests.tiny_encoder import tiny_encoder_config

    texts = [doc.text for doc in make_documents(6, sentences=4, prefix="train")]
    hyper = HyperwordTokenizer.train(texts, tokenizer, num_hyperwords=40)
    folder = tmp_path_factory.mktemp("encoder")
    build_tiny_model(len(tokenizer)).save_pretrained(folder / "base")
    tokenizer.save_pretrained(folder / "base")
    config = tiny_encoder_config(base_model=str(folder / "base"))
    encoder = HyperwordEncoder(config, build_tiny_model(len(tokenizer)), tokenizer)
    encoder.save_pretrained(folder / "soft")
    return [HyperwordChunkEncoder(hyper), *load_soft_chunk_encoders(folder / "soft")]


def _assert_same_rows(ray_store, single_store):
    columns = ROW_COLUMNS + LEVEL_COLUMNS
    ray_rows, single_rows = store_rows(ray_store, columns), store_rows(single_store, columns)
    assert sorted(ray_rows) == sorted(single_rows) and ray_rows
    for cid, row in single_rows.items():
        other = ray_rows[cid]
        assert [other[c] for c in ROW_COLUMNS] == [row[c] for c in ROW_COLUMNS]
        assert other["hyperword_ids"] == row["hyperword_ids"]
        for column in ("vector", "scene_vectors", "concept_vectors"):
            np.testing.assert_allclose(
                np.asarray(other[column], np.float32), np.asarray(row[column], np.float32),
                atol=2e-3,
            )  # fmt: skip
    assert store_documents(ray_store) == store_documents(single_store)


def test_ray_ingest_writes_the_rows_of_a_single_process_ingest(
    ray_cluster, make_store, encoders, tmp_path
):
    corpus = write_corpus(tmp_path / "corpus")
    single = make_store("single", encoders=encoders)
    expected = single.ingest_paths([corpus])
    store = make_store("ray", encoders=encoders, flush_rows=8)
    report = ingest_files([corpus], store, workers=2, batch_size=4)
    assert report.chunks_written == expected.chunks_written > 0
    assert report.documents_written == expected.documents_written == 7
    assert set(report.skipped) == set(expected.skipped)
    assert any(s.reason.startswith("binary file (") for s in report.skipped)
    assert all(report.stage_seconds[s] > 0 for s in ("read", "chunk", "embed", "encode", "write"))
    _assert_same_rows(tmp_path / "ray", tmp_path / "single")
    assert store.stats().index_vectors == report.chunks_written

    again = ingest_files([corpus], store, workers=1)  # re-running is a no-op
    assert (again.chunks_written, again.documents_unchanged) == (0, 7)

    (corpus / "b.md").write_text("# Notes\n\nThe lantern maker of Brask moved to Tallimar.")
    changed = ingest_files([corpus], store, workers=1)
    single.ingest_paths([corpus])
    assert (changed.documents_written, changed.documents_unchanged) == (1, 6)
    _assert_same_rows(tmp_path / "ray", tmp_path / "single")  # replaced whole


def test_ingest_dataset_takes_documents_and_skips_bad_rows(ray_cluster, make_store, tmp_path):
    import ray

    docs = make_documents(5)
    items = [{"doc_id": d.doc_id, "text": d.text, "metadata": '{"n": 1}'} for d in docs]
    items.append({"doc_id": "", "text": "no id", "metadata": "{}"})
    store = make_store("ray")
    report = ingest_dataset(ray.data.from_items(items), store, workers=1, batch_size=8)
    single = make_store("single")
    single.add_documents([{"doc_id": d.doc_id, "text": d.text, "metadata": {"n": 1}} for d in docs])
    assert report.documents_written == 5 and len(report.skipped) == 1
    assert "doc_id" in report.skipped[0].reason
    columns = [*ROW_COLUMNS, "vector"]
    ray_rows, single_rows = (
        store_rows(tmp_path / "ray", columns),
        store_rows(tmp_path / "single", columns),
    )
    assert sorted(ray_rows) == sorted(single_rows)


def _corpus_of_files(folder, n_docs: int):
    folder.mkdir()
    for doc in make_documents(n_docs, sentences=5):
        (folder / f"{doc.doc_id}.txt").write_text(doc.text)
    return folder


def _ids(store) -> list[str]:
    return list(store_rows(store, ["id"]))


def _all_ids(store) -> list[str]:
    import lancedb

    table = lancedb.connect(str(store)).open_table("chunks")
    return table.search().select(["id"]).limit(None).to_arrow()["id"].to_pylist()


def _count(store) -> int:
    try:
        return len(_all_ids(store))
    except (FileNotFoundError, ValueError, OSError):
        return 0


def test_driver_killed_mid_run_then_resumed_stores_every_chunk_once(
    ray_cluster, make_store, tmp_path
):
    import signal
    import subprocess
    import sys
    import time
    from collections import Counter

    from tests.mnemonic.test_processes import REPO

    corpus = _corpus_of_files(tmp_path / "corpus", N_FILES)
    store = tmp_path / "killed"
    command = [sys.executable, "-m", "tests.mnemonic.ray_ingest_worker", str(store)]
    command += [str(corpus), ray_cluster]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    while _count(store) < 24:  # several commits in, far from the end
        assert process.poll() is None, process.stderr.read()[-2000:]
        assert time.monotonic() < deadline
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    partial = set(_all_ids(store))

    resumed = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0 and "done" in resumed.stdout, resumed.stderr[-2000:]
    make_store("clean").ingest_paths([corpus])
    ids = _all_ids(store)
    print(f"killed after {len(partial)} rows; resumed to {len(ids)}: {resumed.stdout.strip()}")
    assert [i for i, n in Counter(ids).items() if n > 1] == []  # each chunk exactly once
    assert sorted(ids) == sorted(_all_ids(tmp_path / "clean"))
    assert partial <= set(ids)


def test_a_worker_killed_mid_run_is_replaced_and_every_chunk_stored_once(
    ray_cluster, make_store, tmp_path
):
    import os
    import signal
    import threading
    import time
    from collections import Counter

    import psutil

    corpus = _corpus_of_files(tmp_path / "corpus", N_FILES)
    store = make_store("ray", flush_rows=8)
    killed: list[int] = []

    def kill_a_worker() -> None:
        deadline = time.monotonic() + 240
        while not killed and time.monotonic() < deadline:
            if _count(tmp_path / "ray") >= 24:
                for child in psutil.Process(os.getpid()).children(recursive=True):
                    if "EncodeChunks" in " ".join(child.cmdline()):
                        os.kill(child.pid, signal.SIGKILL)
                        killed.append(_count(tmp_path / "ray"))
                        return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_a_worker)
    killer.start()
    report = ingest_files([corpus], store, workers=1, batch_size=4)
    killer.join()
    make_store("clean").ingest_paths([corpus])
    ids = _all_ids(tmp_path / "ray")
    print(f"worker killed at {killed} rows; run ended with {len(ids)} rows: {report}")
    assert killed, "no worker was killed"
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    assert sorted(ids) == sorted(_all_ids(tmp_path / "clean"))
    assert report.documents_written == N_FILES


def test_ingest_cli_engine_ray_then_search(ray_cluster, tmp_path, monkeypatch, embedder):
    from click.testing import CliRunner

    import hyperword.models
    from hyperword.cli import cli
    from tests.mnemonic.conftest import tiny_tokenizer_named

    monkeypatch.setattr(hyperword.models, "load_tokenizer", lambda name: tiny_tokenizer_named())
    monkeypatch.setattr(hyperword.models, "load_embedder", lambda name=None, **_: embedder)
    corpus = write_corpus(tmp_path / "corpus")
    args = ["ingest", str(corpus), "--store", str(tmp_path / "s"), "--no-progress"]
    result = CliRunner().invoke(cli, [*args, "--engine", "ray", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert "from 7 documents (0 unchanged, 2 inputs skipped)" in result.output
    assert "bad.txt: binary file (a NUL byte at byte offset" in result.output
    assert "seconds per stage" in result.output
    found = CliRunner().invoke(cli, ["search", "beetles in town 2", "--store", str(tmp_path / "s")])
    assert found.exit_code == 0 and "b.md" in found.output
