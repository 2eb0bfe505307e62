"""Readers are not blocked by writers in the service: while `/v1/memory` is writing (held
mid-write here, deterministically), `/v1/search`, `/v1/ask` and `/healthz` answer from the
last committed state; once the write commits, searches see it."""

from __future__ import annotations

import threading

import httpx

from orchestrator.service.state import ServiceConfig
from tests.orchestrator.conftest import FACTS
from tests.orchestrator.live_server import live_service


def test_searches_and_asks_answer_while_a_write_is_in_progress(
    tmp_path, model_folder, embedder, monkeypatch
):
    config = ServiceConfig(
        stores={"facts": tmp_path / "facts"},
        model=str(model_folder),
        encoder=None,
        hyperword_tokenizer=None,
        create=True,
    )
    with live_service(config, embedder, monkeypatch) as (url, state):
        # the chunker's tokenizer is loaded at startup: parsing it in the first write would
        # hold the GIL (and every search) for seconds
        assert state.orchestrators["facts"].store._chunker is not None
        documents = [{"doc_id": k, "text": v} for k, v in FACTS.items()]
        assert httpx.post(f"{url}/v1/memory", json={"documents": documents}).status_code == 200
        store = state.orchestrators["facts"].store
        entered, release = threading.Event(), threading.Event()
        write_rows = store._chunks.add

        def held_add(*args, **kwargs):  # the writer stops just before its rows land
            entered.set()
            release.wait(timeout=120)
            return write_rows(*args, **kwargs)

        monkeypatch.setattr(store._chunks, "add", held_add)
        new = [{"doc_id": "comet", "text": "The Hollow Comet returns to Vell every nine years."}]
        writer = threading.Thread(
            target=lambda: httpx.post(f"{url}/v1/memory", json={"documents": new}, timeout=120)
        )
        writer.start()
        try:
            assert entered.wait(timeout=60)
            with httpx.Client(base_url=url, timeout=30) as client:  # the writer holds for 120 s
                hits = client.post("/v1/search", json={"query": "Zephyrine tea", "k": 2})
                assert hits.status_code == 200 and hits.json()["hits"][0]["doc_id"] == "tea"
                comet = client.post("/v1/search", json={"query": "Hollow Comet", "k": 6})
                assert all(h["doc_id"] != "comet" for h in comet.json()["hits"])
                question = {"question": "What is served with Zephyrine tea?", "max_new_tokens": 2}
                answer = client.post("/v1/ask", json=question)
                assert answer.status_code == 200, answer.text
                health = client.get("/healthz").json()
                assert health["stores"]["facts"]["documents"] == len(FACTS)
            assert writer.is_alive()  # all of that while the write was still held
        finally:
            release.set()
            writer.join(timeout=120)
        hits = httpx.post(f"{url}/v1/search", json={"query": "Hollow Comet", "k": 1}).json()
        assert hits["hits"][0]["doc_id"] == "comet"
