"""Benchmark: search latency while the service adds a large batch (readers do not wait).

Run: `python -m eval.benchmarks.bench_store_concurrency --chunks 10000`
(`--data ../shared/data/wikitext-2-raw-test.txt.gz` for WikiText sentences instead of
invented ones.)

1. A store of `--base` chunks is built (Gemma 3 270M tokenizer, chunks of `--chunk-tokens`
   tokens so that 10,000 chunks embed in a minute or two, all-MiniLM-L6-v2).
2. The service (`ServiceState`, the real base model, the FastAPI app over loopback HTTP)
   serves it.
3. Idle: `--queries` searches (`POST /v1/search`, k=5), one at a time.
4. During: one `POST /v1/memory` with documents making `--chunks` new chunks; meanwhile a
   search every `--interval` seconds. Only searches that start and end inside the add count.

Prints the latency of both phases (p50, p99, max) and the add's duration.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Phase", "main"]

os.environ.setdefault("LANCE_LOG", "error")

TOPICS = ["harbours", "lanterns", "beetles", "observatories", "bridges", "orchards", "clocks"]


@dataclass(frozen=True)
class Phase:
    name: str
    seconds: list[float]

    def row(self) -> str:
        ms = sorted(s * 1000 for s in self.seconds)
        p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
        return (
            f"| {self.name} | {len(ms)} | {statistics.median(ms):.0f} | {p99:.0f} | {ms[-1]:.0f} |"
        )


def _sentences(data: Path | None, n: int, offset: int) -> list[str]:
    """`n` sentences: WikiText's (from `offset`) or invented ones."""
    if data is not None:
        from eval.benchmarks.bench_store import _sentences as wikitext

        return wikitext(data, offset + n)[offset:]
    return [
        f"Entry {i} records that the {TOPICS[i % len(TOPICS)]} of district {i % 97} were "
        f"rebuilt in year {1800 + i % 211} by guild {i % 53}."
        for i in range(offset, offset + n)
    ]


def _documents(sentences: list[str], chunker, want: int, prefix: str) -> list[dict]:
    """Documents of 20 sentences until the chunker makes `want` chunks of them."""
    docs, chunks = [], 0
    for start in range(0, len(sentences), 20):
        text = " ".join(sentences[start : start + 20])
        chunks += sum(1 for _ in chunker.chunk_blocks([text]))
        docs.append({"doc_id": f"{prefix}{start // 20}", "text": text})
        if chunks >= want:
            return docs
    raise ValueError(f"not enough sentences for {want} chunks (got {chunks})")


def _build(folder: Path, args: argparse.Namespace) -> list[dict]:
    """The base store, and the documents the add will send."""
    from mnemonic import ChunkingConfig, MnemonicStore

    chunking = ChunkingConfig(chunk_tokens=args.chunk_tokens, overlap_tokens=0)
    with MnemonicStore(folder, base_model=args.model, chunking=chunking) as store:
        per_chunk = 3 * args.chunks  # more sentences than needed; each chunk takes one or two
        base = _documents(_sentences(args.data, per_chunk, 0), store.chunker, args.base, "base")
        store.add_documents(base)
        extra = _sentences(args.data, per_chunk, per_chunk)
        return _documents(extra, store.chunker, args.chunks, "added")


def _search(client, query: str) -> float:
    start = time.perf_counter()
    response = client.post("/v1/search", json={"query": query, "k": 5})
    response.raise_for_status()
    return time.perf_counter() - start


def _measure(url: str, documents: list[dict], args: argparse.Namespace) -> tuple:
    import httpx

    queries = [f"who rebuilt the {topic} of district {i}" for i, topic in enumerate(TOPICS * 8)]
    with httpx.Client(base_url=url, timeout=600) as client:
        idle = [_search(client, queries[i % len(queries)]) for i in range(args.queries)]
        done = threading.Event()
        report: dict = {}

        def add() -> None:
            start = time.perf_counter()
            response = client.post("/v1/memory", json={"documents": documents})
            report.update(response.json(), wall=time.perf_counter() - start)
            done.set()

        writer = threading.Thread(target=add)
        began = time.perf_counter()
        writer.start()
        time.sleep(args.interval)
        during, i = [], 0
        while not done.is_set():
            offset = time.perf_counter() - began
            seconds = _search(client, queries[i % len(queries)])
            if not done.is_set():
                during.append(seconds)
                report["slowest"] = max(report.get("slowest", (0.0, 0.0)), (seconds, offset))
            i += 1
            time.sleep(args.interval)
        writer.join()
    return Phase("idle", idle), Phase(f"during a {args.chunks:,}-chunk add", during), report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chunks", type=int, default=10_000, help="Chunks the add writes.")
    parser.add_argument("--base", type=int, default=2_000, help="Chunks in the store first.")
    parser.add_argument("--chunk-tokens", type=int, default=32)
    parser.add_argument("--queries", type=int, default=50, help="Idle searches.")
    parser.add_argument("--interval", type=float, default=0.25, help="Seconds between searches.")
    parser.add_argument("--model", default="gemma-3-270m", help="Base model served.")
    parser.add_argument("--data", type=Path, default=None, help="WikiText .txt.gz (optional).")
    args = parser.parse_args(argv)

    import uvicorn

    from orchestrator.service.app import create_app
    from orchestrator.service.state import ServiceConfig, ServiceState

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "store"
        documents = _build(folder, args)
        config = ServiceConfig(
            stores={"bench": folder},
            model=args.model,
            encoder=None,
            hyperword_tokenizer=None,
            max_body_bytes=256 * 2**20,
        )
        server = uvicorn.Server(
            uvicorn.Config(create_app(ServiceState(config)), port=8731, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.1)
        try:
            idle, during, report = _measure("http://127.0.0.1:8731", documents, args)
        finally:
            server.should_exit = True
            thread.join()
    print("| searches | n | p50 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|")
    print(idle.row())
    print(during.row())
    print(
        f"add: {report.get('chunks_written')} chunks of {report.get('documents_written')} "
        f"documents in {report['wall']:.1f} s"
    )
    if "slowest" in report:
        seconds, offset = report["slowest"]
        print(f"slowest search during the add: {seconds * 1000:.0f} ms, sent {offset:.1f} s in")


if __name__ == "__main__":
    main()
