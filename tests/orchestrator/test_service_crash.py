"""`hyperword serve` killed (SIGKILL) while it writes, then restarted: it serves committed
documents only, and `/healthz` and `/v1/search` agree.

A real server in a subprocess on a loopback port, with the tiny model; the store is watched
from the test process (LanceDB) to kill the server once some documents of a large upsert are
committed and others are half-written. The restarted service runs in the test process (on a
loopback port too: the same app, without paying for a second subprocess start).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx
import lancedb
import pytest

from orchestrator.service.state import ServiceConfig
from tests.orchestrator.live_server import live_service
from tests.orchestrator.test_service import SERVE, free_port

TOPICS = ["amber clocks", "salt beetles", "glass bridges", "paper lanterns"]


def _documents(edition: int, lines: int) -> list[dict]:
    """Four documents; 160 lines make ~80 chunks each (the service writes 256 rows a time,
    so the first commit lands with three documents done and the fourth half-written)."""
    return [
        {
            "doc_id": f"record-{i}",
            "text": " ".join(
                f"Edition {edition} of record {i}, line {j}: the {topic} of hall {j} hum."
                for j in range(lines)
            ),
        }
        for i, topic in enumerate(TOPICS)
    ]


def _start(store: Path, model_folder: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [
        *SERVE,
        "--store",
        str(store),
        "--create",
        "--model",
        str(model_folder),
        "--encoder",
        "none",
        "--hyperword-tokenizer",
        "none",
        "--max-body-bytes",
        str(8 * 2**20),
        "--port",
        str(port),
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    process = subprocess.Popen(command, stdout=log.open("a"), stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while True:
        assert process.poll() is None, log.read_text()[-3000:]
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "server did not start within 180 s"
        time.sleep(0.3)


def _committed(store: Path) -> dict[str, str]:
    table = lancedb.connect(str(store)).open_table("documents").to_arrow()
    return dict(zip(table["doc_id"].to_pylist(), table["doc_hash"].to_pylist(), strict=True))


def _rows(store: Path) -> dict[str, tuple[str, str]]:
    table = lancedb.connect(str(store)).open_table("chunks")
    rows = table.search().select(["id", "doc_id", "doc_hash"]).limit(None).to_arrow()
    return {r["id"]: (r["doc_id"], r["doc_hash"]) for r in rows.to_pylist()}


def _post_in_background(url: str, documents: list[dict]) -> threading.Thread:
    def post() -> None:
        with contextlib.suppress(httpx.TransportError):  # the server is killed mid-request
            httpx.post(f"{url}/v1/memory", json={"documents": documents}, timeout=600)

    thread = threading.Thread(target=post, daemon=True)
    thread.start()
    return thread


@pytest.mark.slow
def test_a_server_killed_mid_write_serves_only_committed_documents(
    tmp_path, model_folder, embedder, monkeypatch
):
    store, log = tmp_path / "store", tmp_path / "server.log"
    server, url = _start(store, model_folder, log)
    try:
        added = httpx.post(f"{url}/v1/memory", json={"documents": _documents(1, 2)}, timeout=600)
        assert added.status_code == 200, added.text
        edition_one = _committed(store)
        writer = _post_in_background(url, _documents(2, 160))  # an upsert of every document
        deadline = time.monotonic() + 300
        while _committed(store) == edition_one:  # wait for the first commit of edition 2
            assert time.monotonic() < deadline and server.poll() is None
            time.sleep(0.02)
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait()
    writer.join(timeout=30)
    committed, rows = _committed(store), _rows(store)
    pending = [key for key in rows.values() if committed.get(key[0]) != key[1]]
    assert pending and committed != edition_one  # half-written and committed versions

    config = ServiceConfig(
        stores={"store": store}, model=str(model_folder), encoder=None, hyperword_tokenizer=None
    )
    with live_service(config, embedder, monkeypatch) as (url, _state):
        health = httpx.get(f"{url}/healthz").json()
        assert health["status"] == "ok"
        assert health["stores"]["store"] == {
            "documents": len(committed),
            "chunks": len(rows) - len(pending),
        }
        for topic in TOPICS:
            for edition in (1, 2):
                query = {"query": f"Edition {edition}: the {topic} hum", "k": 40}
                hits = httpx.post(f"{url}/v1/search", json=query).json()["hits"]
                assert hits
                for hit in hits:  # never an uncommitted row, never two versions of one document
                    assert rows[hit["id"]] == (hit["doc_id"], committed[hit["doc_id"]])
    assert "Traceback" not in log.read_text()
