"""The HTTP service, run for real: `hyperword serve` in a subprocess on a loopback port.

Drives every endpoint with httpx, 20 concurrent `/v1/ask` calls, streaming chat completions,
and each kind of bad input (which must be a 4xx with a clear message, never a 500).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import time

import httpx
import pytest

SERVE = [sys.executable, "-c", "from hyperword.cli import cli; cli()", "serve"]
MAX_BODY = 64 * 1024
SERVED: dict = {}  # the folder the module's server serves from


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory, folder_store, model_folder):
    """Base URL of a running server over `facts` (the default), `spare` and a new `fresh`."""
    root = tmp_path_factory.mktemp("serve")
    SERVED["root"] = root
    shutil.copytree(folder_store, root / "facts")
    shutil.copytree(folder_store, root / "spare-copy")
    port = free_port()
    log = (root / "server.log").open("w+")
    options = {
        "--model": str(model_folder),
        "--encoder": "none",
        "--hyperword-tokenizer": "none",
        "--budget": "128",
        "--max-body-bytes": str(MAX_BODY),
        "--port": str(port),
    }
    stores = ["--store", str(root / "facts"), "--store", f"spare={root / 'spare-copy'}"]
    stores += ["--store", f"fresh={root / 'fresh'}", "--create"]  # made at startup
    command = [*SERVE, *stores, *(item for pair in options.items() for item in pair)]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while True:
        if process.poll() is not None:
            log.seek(0)
            pytest.fail(f"server exited with {process.returncode}:\n{log.read()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("server did not start within 180 s")
        time.sleep(0.5)
    yield url
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.seek(0)
    output = log.read()
    log.close()
    assert "Traceback" not in output, output[-4000:]
    assert " 500 " not in output, output[-4000:]


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server, timeout=120) as client:
        yield client


def error_of(response, status):
    assert response.status_code == status, response.text
    message = response.json()["error"]["message"]
    assert message and isinstance(message, str)
    return message


def test_healthz(client):
    data = client.get("/healthz").json()
    assert data["status"] == "ok"
    assert data["levels"] == ["text"]
    assert data["budget"] == 128
    assert set(data["stores"]) == {"facts", "spare", "fresh"}
    assert data["stores"]["facts"]["documents"] == 6
    assert data["stores"]["fresh"] == {"documents": 0, "chunks": 0}


def test_a_store_created_at_startup_takes_documents(client):
    doc = {"doc_id": "note", "text": "The Amber Clock in Vell strikes thirteen at midnight."}
    added = client.post("/v1/memory", json={"documents": [doc], "store": "fresh"})
    assert added.status_code == 200, added.text
    hits = client.post("/v1/search", json={"query": "Amber Clock", "store": "fresh"}).json()
    assert [h["doc_id"] for h in hits["hits"]] == ["note"]


def test_memory_add_search_ask_delete(client):
    doc = {
        "doc_id": "moon-ferry",
        "text": "The Moon Ferry sails from Port Adel to Kestry twice a week. "
        "Its captain is Oona Brisk.",
        "metadata": {"source": "test"},
    }
    added = client.post("/v1/memory", json={"documents": [doc], "store": "spare"})
    assert added.status_code == 200, added.text
    assert added.json()["documents_written"] == 1 and added.json()["chunks_written"] >= 1
    again = client.post("/v1/memory", json={"documents": [doc], "store": "spare"}).json()
    assert again["documents_unchanged"] == 1  # idempotent upsert

    hits = client.post(
        "/v1/search", json={"query": "Who captains the Moon Ferry?", "k": 3, "store": "spare"}
    ).json()["hits"]
    assert hits[0]["doc_id"] == "moon-ferry"
    assert hits[0]["metadata"] == {"source": "test"}
    assert set(hits[0]) >= {"id", "score", "text", "text_tokens", "chunk_index"}
    default = client.post("/v1/search", json={"query": "Moon Ferry captain"}).json()["hits"]
    assert all(h["doc_id"] != "moon-ferry" for h in default)  # the other store

    answer = client.post(
        "/v1/ask",
        json={"question": "Who captains the Moon Ferry?", "store": "spare", "max_new_tokens": 3},
    ).json()
    assert answer["report"]["sources"][0]["doc_id"] == "moon-ferry"

    removed = client.delete("/v1/memory/moon-ferry", params={"store": "spare"})
    assert removed.status_code == 200 and removed.json()["chunks_removed"] >= 1
    error_of(client.delete("/v1/memory/moon-ferry", params={"store": "spare"}), 404)
    hits = client.post("/v1/search", json={"query": "Moon Ferry", "store": "spare"}).json()
    assert all(h["doc_id"] != "moon-ferry" for h in hits["hits"])


def test_search_modes_and_links(client):
    doc = {"doc_id": "code", "text": "Error E4471 means the Quorvex valve is stuck."}
    client.post("/v1/memory", json={"documents": [doc], "store": "spare"})
    body = {"query": "E4471", "k": 1, "store": "spare"}
    hits = client.post("/v1/search", json={**body, "mode": "lexical"}).json()["hits"]
    assert hits[0]["doc_id"] == "code" and hits[0]["lexical_score"] > 0
    linked = client.post("/v1/search", json={**body, "links": True}).json()["hits"]
    assert linked[0]["neighbours"] == []  # nothing else names Quorvex or E4471
    message = error_of(client.post("/v1/search", json={**body, "mode": "semantic"}), 422)
    assert "mode" in message
    client.delete("/v1/memory/code", params={"store": "spare"})


def test_search_with_filter(client):
    hits = client.post(
        "/v1/search", json={"query": "bridge", "k": 5, "where": "doc_id = 'tea'"}
    ).json()["hits"]
    assert hits and {h["doc_id"] for h in hits} == {"tea"}


def test_ask_returns_answer_and_report(client):
    response = client.post(
        "/v1/ask",
        json={
            "question": "Who designed the Velloran Glass Bridge?",
            "budget": 64,
            "k": 8,
            "max_new_tokens": 4,
        },
    )
    assert response.status_code == 200, response.text
    data = response.json()
    report = data["report"]
    assert isinstance(data["answer"], str)
    assert report["budget"] == 64 and report["context_tokens"] <= 64
    assert report["retrieved"] <= 8
    assert report["sources"][0]["doc_id"] == "bridge"
    assert report["tokens_per_level"]["text"] > 0
    for key in (
        "compression_ratio",
        "peak_memory_bytes",
        "kv_cache_bytes",
        "prefill_seconds",
        "total_seconds",
        "full_context_tokens",
    ):
        assert report[key] > 0, key


def test_ask_takes_hops_and_focus(client):
    body = {"question": "Who designed the Velloran Glass Bridge?", "max_new_tokens": 2}
    everything = {"min_score": -1.0}  # keep every candidate, whatever its score
    roomy = {**body, "budget": 512, "k": 4, "hops": 2, "policy_options": everything}
    response = client.post("/v1/ask", json={**roomy, "links": False})
    assert response.status_code == 200, response.text
    hops = [s["hop"] for s in response.json()["report"]["sources"]]
    assert hops[0] == 1 and 2 in hops  # the bridge sentence's search added sources
    linked = client.post("/v1/ask", json=roomy).json()["report"]["sources"]
    assert {s["hop"] for s in linked} == {1}  # no other document names the bridge's names
    response = client.post("/v1/ask", json={**body, "budget": 24, "focus": False})
    assert response.status_code == 200, response.text
    first = response.json()["report"]["sources"][0]
    assert first["cut"] and not first["excerpt"]


def test_twenty_concurrent_asks(server):
    questions = [
        "Who designed the Velloran Glass Bridge?",
        "What is Zephyrine tea served with?",
        "Where is the Orvik Lantern Festival held?",
        "Who created Quibbit?",
    ]

    async def ask_all():
        async with httpx.AsyncClient(base_url=server, timeout=300) as client:
            calls = [
                client.post("/v1/ask", json={"question": questions[i % 4], "max_new_tokens": 4})
                for i in range(20)
            ]
            return await asyncio.gather(*calls)

    with httpx.Client(base_url=server, timeout=120) as client:
        alone = {
            q: client.post("/v1/ask", json={"question": q, "max_new_tokens": 4}).json()["answer"]
            for q in questions
        }
    responses = asyncio.run(ask_all())
    assert [r.status_code for r in responses] == [200] * 20
    for response in responses:
        data = response.json()
        assert data["answer"] == alone[data["question"]]  # greedy: no crosstalk between calls
        assert data["report"]["context_tokens"] <= 128


def test_chat_completions(client):
    body = {
        "model": "hyperword-test",
        "messages": [
            {"role": "system", "content": "Answer briefly."},
            {"role": "user", "content": [{"type": "text", "text": "Who created Quibbit?"}]},
        ],
        "max_tokens": 4,
    }
    response = client.post("/v1/chat/completions", json=body)
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["object"] == "chat.completion" and data["model"] == "hyperword-test"
    choice = data["choices"][0]
    assert choice["message"]["role"] == "assistant"
    assert choice["finish_reason"] in ("stop", "length")
    assert data["usage"]["completion_tokens"] <= 4
    assert data["usage"]["total_tokens"] == (
        data["usage"]["prompt_tokens"] + data["usage"]["completion_tokens"]
    )
    assert data["hyperword"]["sources"][0]["doc_id"] == "language"


def test_chat_completions_stream(client):
    body = {
        "model": "m",
        "messages": [{"role": "user", "content": "Where is the Orvik Lantern Festival held?"}],
        "max_tokens": 5,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    with client.stream("POST", "/v1/chat/completions", json=body) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        raw = "".join(response.iter_text())
    events = [e for e in raw.split("\n\n") if e]
    assert all(e.startswith("data: ") for e in events)
    assert events[-1] == "data: [DONE]"
    chunks = [json.loads(e[len("data: ") :]) for e in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert len({c["id"] for c in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    finals = [c for c in chunks if c["choices"] and c["choices"][0]["finish_reason"]]
    assert len(finals) == 1 and "hyperword" in finals[0]
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] <= 5
    streamed = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    body["stream"] = False
    del body["stream_options"]
    whole = client.post("/v1/chat/completions", json=body).json()
    assert streamed == whole["choices"][0]["message"]["content"]


JSON = {"content-type": "application/json"}
FORM = {"content-type": "application/x-www-form-urlencoded"}
USER = [{"role": "user", "content": "Q?"}]
LONE = '{"k": "\\ud800"}}]}'  # metadata holding a lone surrogate, and the closing brackets


def post(path, body, status, words):
    return ("POST", path, {"json": body}, status, words)


def raw(path, body: str, status, words):
    """A body sent as written (JSON that httpx would not write: NaN, lone surrogates)."""
    return ("POST", path, {"content": body.encode(), "headers": JSON}, status, words)


BAD_REQUESTS = [
    # (method, path, httpx keyword arguments, status, words the error message must contain)
    ("POST", "/v1/ask", {"content": b'{"question": ', "headers": JSON}, 400, "not valid JSON"),
    ("POST", "/v1/ask", {"content": b"question=Q", "headers": FORM}, 415, "application/json"),
    post("/v1/ask", ["a", "list"], 422, "JSON object"),
    post("/v1/ask", {"question": "Q?", "colour": "red"}, 422, "colour"),
    post("/v1/ask", {}, 422, "question"),
    post("/v1/ask", {"question": ""}, 422, "question"),
    post("/v1/ask", {"question": "Q?", "budget": 0}, 422, "budget"),
    post("/v1/ask", {"question": "Q?", "budget": "lots"}, 422, "budget"),
    post("/v1/ask", {"question": "Q?", "store": "nope"}, 404, "unknown store"),
    post("/v1/ask", {"question": "Q?", "policy": "nope"}, 400, "unknown policy"),
    post("/v1/ask", {"question": "Q?", "policy_options": {"x": 1}}, 400, "no option"),
    post("/v1/ask", {"question": "Q?", "policy_options": {"min_score": "x"}}, 400, "min_score"),
    post("/v1/ask", {"question": "Q?", "levels": ["scene"]}, 400, "unavailable"),
    post("/v1/ask", {"question": "Q?", "levels": ["paragraph"]}, 422, "levels"),
    post("/v1/ask", {"question": "Q?", "hops": 3}, 422, "hops"),
    post("/v1/ask", {"question": "Q?", "focus": "very"}, 422, "focus"),
    post("/v1/ask", {"question": "Q?", "where": "(((("}, 400, "invalid filter"),
    post("/v1/search", {"query": "q", "k": 0}, 422, "k"),
    post("/v1/search", {"query": "q", "store": "nope"}, 404, "unknown store"),
    post("/v1/search", {"query": "q", "where": "no such column = 1"}, 400, "invalid filter"),
    post("/v1/memory", {"documents": []}, 422, "documents"),
    post("/v1/memory", {"documents": [{"doc_id": "a"}]}, 422, "text"),
    post("/v1/memory", {"documents": [{"doc_id": "a", "text": "t", "x": 1}]}, 422, "x"),
    post("/v1/memory", {"documents": [{"doc_id": "a", "text": "t"}], "store": "no"}, 404, "store"),
    ("DELETE", "/v1/memory/never-added", {}, 404, "never-added"),
    ("DELETE", "/v1/memory/a", {"params": {"store": "nope"}}, 404, "unknown store"),
    post("/v1/chat/completions", {"messages": []}, 422, "messages"),
    post("/v1/chat/completions", {"messages": [{"role": "system", "content": "Hi"}]}, 400, "user"),
    post("/v1/chat/completions", {"messages": USER, "n": 2}, 422, "n"),
    post("/v1/chat/completions", {"messages": USER, "logprobs": True}, 422, "logprobs"),
    post("/v1/chat/completions", {"messages": [{"role": "wizard", "content": "Q"}]}, 422, "role"),
    post("/v1/chat/completions", {"messages": USER, "stream": True, "store": "x"}, 404, "store"),
    post("/v1/chat/completions", {"messages": USER, "stream": True, "policy": "x"}, 400, "policy"),
    # values that would break later (issue 18, item 10) and blank documents (item 8)
    post("/v1/memory", {"documents": [{"doc_id": "b", "text": " \n\t "}]}, 422, "blank"),
    post("/v1/memory", {"documents": [{"doc_id": "  ", "text": "t"}]}, 422, "blank"),
    raw(
        "/v1/memory",
        '{"documents": [{"doc_id": "s", "text": "t", "metadata": ' + LONE,
        422,
        "surrogate",
    ),
    raw("/v1/ask", '{"question": "Who?\\udc80"}', 422, "unicode"),
    post("/v1/ask", {"question": "Q?", "seed": 2**64}, 422, "seed"),
    post("/v1/chat/completions", {"messages": USER, "stream": True, "seed": 2**64}, 422, "seed"),
    post("/v1/ask", {"question": "Q?", "top_k": 2**70}, 422, "top_k"),
    raw("/v1/ask", '{"question": "Q?", "temperature": NaN}', 422, "temperature"),
    raw("/v1/ask", '{"question": "Q?", "policy_options": {"min_score": NaN}}', 400, "min_score"),
    post("/v1/ask", {"question": "Q?", "where": "1=1; drop table chunks"}, 400, "';'"),
    post("/v1/search", {"query": "q", "where": "1=1; drop table chunks"}, 422, "';'"),
    post("/v1/search", {"query": "q", "where": "doc_id = 'x' -- rest"}, 422, "comments"),
    post("/v1/ask", {"question": "Q?", "budget": 4096}, 400, "max_position_embeddings"),
    ("GET", "/v1/nothing-here", {}, 404, "no endpoint"),
    ("GET", "/v1/ask", {}, 405, "not allowed"),
]


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "words"),
    BAD_REQUESTS,
    ids=[f"{i}-{r[1]}-{r[3]}" for i, r in enumerate(BAD_REQUESTS)],
)
def test_bad_input_is_a_clear_4xx(client, method, path, kwargs, status, words):
    message = error_of(client.request(method, path, **kwargs), status)
    assert words.lower() in message.lower(), message


def test_oversize_bodies_get_413(client):
    big = {"question": "Q?" + " pad" * MAX_BODY}
    message = error_of(client.post("/v1/ask", json=big), 413)
    assert str(MAX_BODY) in message

    def chunks():  # no Content-Length: counted as it arrives
        for _ in range(40):
            yield b"x" * 4096

    message = error_of(
        client.post("/v1/memory", content=chunks(), headers={"content-type": "application/json"}),
        413,
    )
    assert "over the limit" in message


def test_blank_documents_are_not_counted(client):
    before = client.get("/healthz").json()["stores"]["facts"]["documents"]
    error_of(client.post("/v1/memory", json={"documents": [{"doc_id": "w", "text": "  "}]}), 422)
    assert client.get("/healthz").json()["stores"]["facts"]["documents"] == before
    error_of(client.delete("/v1/memory/w"), 404)


def test_errors_name_neither_internal_paths_nor_stored_text(client):
    for where in ("text > 5", "chunk_index = 'abc'", "no_such_column = 1"):
        response = client.post("/v1/search", json={"query": "bridge", "where": where})
        message = error_of(response, 400)
        assert "invalid filter" in message
        for leak in (".rs", "/root", ".cargo", "Velloran", "Quibbit"):
            assert leak not in message, message


def test_a_busy_store_is_a_409_without_its_path(client):
    from mnemonic import MnemonicStore

    folder = SERVED["root"] / "spare-copy"
    with MnemonicStore(folder, create=False) as other, other.writing():
        body = {"documents": [{"doc_id": "n", "text": "The lock test."}], "store": "spare"}
        message = error_of(client.post("/v1/memory", json=body), 409)
    assert "another process" in message
    assert str(SERVED["root"]) not in message and "/" not in message, message


def test_healthz_reports_the_models_positions(client):
    assert client.get("/healthz").json()["max_positions"] == 2048


def test_server_still_healthy_after_bad_input(client):
    assert client.get("/healthz").json()["status"] == "ok"


def test_serve_refuses_a_missing_store(tmp_path, model_folder):
    result = subprocess.run(
        [*SERVE, "--store", str(tmp_path / "missing"), "--model", str(model_folder)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "Error: no store at" in result.stderr
