"""Benchmark of the memory store: ingest rate, search latency and recall, FAISS vs LanceDB.

Run: `python -m eval.benchmarks.bench_store --data ../shared/data/wikitext-2-raw-test.txt.gz`

1. Ingest: the data file through `MnemonicStore.ingest_paths` (Gemma 3 270M tokenizer for
   chunking, all-MiniLM-L6-v2 embeddings, LanceDB writes, FAISS index), against the embedder
   alone on the same chunk texts with the same batch size.
2. Search at each size (default 10k and 100k vectors): the base set is real embeddings (the
   ingested chunks plus WikiText sentences, up to `--real` vectors); beyond that, synthetic
   vectors, each a normalized random mix of two real ones plus noise. Queries are embeddings of
   held-out WikiText sentences. Recall@10 is against exact (flat) search; latency is one query
   at a time.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

__all__ = ["IngestResult", "SearchResult", "main"]

os.environ.setdefault("LANCE_LOG", "error")  # LanceDB's Rust warnings would flood the table


@dataclass(frozen=True)
class IngestResult:
    chunks: int
    tokens: int
    pipeline_seconds: float
    embedder_seconds: float
    chunking_seconds: float
    tokenizer_load_seconds: float

    @property
    def pipeline_rate(self) -> float:
        return self.chunks / self.pipeline_seconds

    @property
    def embedder_rate(self) -> float:
        return self.chunks / self.embedder_seconds


@dataclass(frozen=True)
class SearchResult:
    vectors: int
    backend: str
    build_seconds: float
    p50_ms: float
    p99_ms: float
    recall_at_10: float
    queries: int


def _sentences(path: Path, limit: int) -> list[str]:
    """Distinct WikiText sentences of 6+ words, in file order."""
    seen: dict[str, None] = {}
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if not line or line.startswith("="):
                continue
            for sentence in re.split(r"(?<=[.!?])\s+", line):
                if len(sentence.split()) >= 6:
                    seen.setdefault(sentence, None)
            if len(seen) >= limit:
                break
    return list(seen)[:limit]


def _time_queries(search: Callable[[np.ndarray], np.ndarray], queries: np.ndarray):
    """Per-query latencies (s) and the returned ids `(n_queries, 10)`."""
    search(queries[0])  # warm-up
    times, found = [], []
    for query in queries:
        start = time.perf_counter()
        ids = search(query)
        times.append(time.perf_counter() - start)
        found.append(ids)
    return np.array(times), found


def _recall(found: list[np.ndarray], exact: np.ndarray) -> float:
    return float(
        np.mean(
            [
                len(set(map(int, f)) & set(map(int, e))) / 10
                for f, e in zip(found, exact, strict=True)
            ]
        )
    )


def _result(n, backend, build, times, found, exact) -> SearchResult:
    return SearchResult(
        vectors=n,
        backend=backend,
        build_seconds=build,
        p50_ms=float(np.percentile(times, 50) * 1e3),
        p99_ms=float(np.percentile(times, 99) * 1e3),
        recall_at_10=_recall(found, exact),
        queries=len(times),
    )


def bench_ingest(data: Path, workdir: Path, batch_size: int):
    """Ingest `data` into a fresh store; then time the embedder alone on the same chunks."""
    from hyperword.models import load_embedder, load_tokenizer
    from mnemonic import MnemonicStore

    embedder = load_embedder(device="cpu")
    start = time.perf_counter()
    tokenizer = load_tokenizer("gemma-3-270m")
    tokenizer_load = time.perf_counter() - start
    store = MnemonicStore(
        workdir / "ingest", embedder=embedder, tokenizer=tokenizer, batch_size=batch_size
    )
    store.embed(["warm up the embedder"] * batch_size)
    report = store.ingest_paths([data])
    chunks = store._chunks.search().select(["text", "text_tokens", "vector"]).limit(None)
    table = chunks.to_arrow()
    texts = table["text"].to_pylist()
    start = time.perf_counter()
    store.embed(texts)
    embedder_seconds = time.perf_counter() - start
    start = time.perf_counter()
    n_chunked = sum(1 for _ in store.chunker.chunk_blocks(_blocks(data, store)))
    chunking_seconds = time.perf_counter() - start
    assert n_chunked == len(texts)
    dim = store.manifest.embedding_dim
    vectors = table["vector"].combine_chunks().flatten().to_numpy().reshape(-1, dim)
    result = IngestResult(
        chunks=report.chunks_written,
        tokens=int(sum(table["text_tokens"].to_pylist())),
        pipeline_seconds=report.seconds,
        embedder_seconds=embedder_seconds,
        chunking_seconds=chunking_seconds,
        tokenizer_load_seconds=tokenizer_load,
    )
    return result, store, vectors


def _blocks(data: Path, store):
    from mnemonic.readers import iter_text_blocks

    return iter_text_blocks(data, store.chunking.block_chars)


def build_vectors(real: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """`n` vectors: the real ones first, then normalized noisy mixes of two real ones."""
    if n <= len(real):
        return real[:n]
    extra = n - len(real)
    a = real[rng.integers(0, len(real), extra)]
    b = real[rng.integers(0, len(real), extra)]
    w = rng.uniform(0.2, 0.8, (extra, 1)).astype(np.float32)
    mixed = w * a + (1 - w) * b + rng.normal(0, 0.02, a.shape).astype(np.float32)
    mixed /= np.linalg.norm(mixed, axis=1, keepdims=True)
    return np.vstack([real, mixed]).astype(np.float32)


def bench_search(
    vectors: np.ndarray, queries: np.ndarray, workdir: Path, *, lance_index: bool
) -> list[SearchResult]:
    import lancedb
    import pyarrow as pa

    from mnemonic import IndexConfig
    from mnemonic.index import VectorIndex

    n, dim = vectors.shape
    seqs = np.arange(n)
    results = []
    start = time.perf_counter()
    flat = VectorIndex.build(vectors, seqs, IndexConfig(kind="flat"), dim=dim)
    flat_build = time.perf_counter() - start
    exact = flat.search(queries, 10)[1]
    times, found = _time_queries(lambda q: flat.search(q, 10)[1][0], queries)
    results.append(_result(n, "faiss flat (exact)", flat_build, times, found, exact))
    for kind in ("hnsw", "ivfpq"):
        start = time.perf_counter()
        index = VectorIndex.build(vectors, seqs, IndexConfig(kind=kind), dim=dim)
        build = time.perf_counter() - start
        times, found = _time_queries(lambda q, i=index: i.search(q, 10)[1][0], queries)
        results.append(_result(n, f"faiss {kind}", build, times, found, exact))
        del index
    auto = IndexConfig().resolve_kind(n)
    default = next(
        r for r in results if r.backend == f"faiss {auto}" or r.backend.startswith(f"faiss {auto} ")
    )
    results.append(replace(default, backend=f"store default ({auto})"))

    db = lancedb.connect(str(workdir / f"lance-{n}"))
    start = time.perf_counter()
    table = db.create_table(
        "v",
        pa.table(
            {
                "seq": seqs,
                "vector": pa.FixedSizeListArray.from_arrays(pa.array(vectors.reshape(-1)), dim),
            }
        ),
        mode="overwrite",
    )
    write = time.perf_counter() - start

    def lance_search(q, **params):
        query = table.search(q).distance_type("cosine").select(["seq", "_distance"]).limit(10)
        if params:
            query = query.nprobes(params["nprobes"]).refine_factor(params["refine"])
        return np.array(query.to_arrow()["seq"].to_pylist())

    few = queries[: max(20, len(queries) // 4)] if n > 20_000 else queries
    times, found = _time_queries(lance_search, few)
    results.append(_result(n, "lancedb no index (exact)", write, times, found, exact[: len(few)]))
    if lance_index:
        from lancedb.index import IvfPq

        partitions = max(16, int(np.sqrt(n)))
        start = time.perf_counter()
        table.create_index(
            "vector",
            config=IvfPq(
                distance_type="cosine",
                num_partitions=partitions,
                num_sub_vectors=dim // 8,
                max_iterations=20,
            ),
        )
        build = time.perf_counter() - start
        times, found = _time_queries(
            lambda q: lance_search(q, nprobes=max(8, partitions // 8), refine=10), queries
        )
        results.append(_result(n, "lancedb ivf_pq+refine", build, times, found, exact))
    return results


def print_ingest(result: IngestResult, data: Path) -> None:
    ratio = result.pipeline_rate / result.embedder_rate
    print(f"\n## Ingest: {data.name} ({result.chunks} chunks, {result.tokens:,} Gemma tokens)")
    print(f"{'stage':<44} {'seconds':>8} {'chunks/s':>9}")
    print(
        f"{'pipeline (chunk+embed+LanceDB+FAISS)':<44} {result.pipeline_seconds:>8.1f} "
        f"{result.pipeline_rate:>9.1f}"
    )
    print(
        f"{'embedder alone (same texts, same batch)':<44} {result.embedder_seconds:>8.1f} "
        f"{result.embedder_rate:>9.1f}"
    )
    print(
        f"{'chunking alone (Gemma tokenizer)':<44} {result.chunking_seconds:>8.1f} "
        f"{result.chunks / result.chunking_seconds:>9.1f}"
    )
    print(f"{'Gemma tokenizer load':<44} {result.tokenizer_load_seconds:>8.1f}")
    print(f"pipeline / embedder alone = {ratio:.0%} (target >= 80%)")


def print_search(results: list[SearchResult], notes: str) -> None:
    print(f"\n## Search (k=10; {notes})")
    print(
        f"{'vectors':>8}  {'backend':<26} {'build s':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'recall@10':>9} {'queries':>7}"
    )
    for r in results:
        print(
            f"{r.vectors:>8}  {r.backend:<26} {r.build_seconds:>8.2f} {r.p50_ms:>8.3f} "
            f"{r.p99_ms:>8.3f} {r.recall_at_10:>9.3f} {r.queries:>7}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--data", type=Path, default=Path("../shared/data/wikitext-2-raw-test.txt.gz")
    )
    parser.add_argument("--sizes", default="10000,100000", help="Comma-separated vector counts.")
    parser.add_argument("--real", type=int, default=10_000, help="Real embeddings in the base.")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--no-lance-index", action="store_true", help="Skip LanceDB IVF-PQ.")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    import torch

    started = time.perf_counter()
    print(f"# Store benchmark: torch threads {torch.get_num_threads()}, data {args.data}")
    with tempfile.TemporaryDirectory(prefix="hyperword-bench-") as tmp:
        workdir = Path(tmp)
        ingest, store, chunk_vectors = bench_ingest(args.data, workdir, args.batch_size)
        print_ingest(ingest, args.data)

        rng = np.random.default_rng(args.seed)
        need = max(0, args.real - len(chunk_vectors)) + args.queries
        sentences = _sentences(args.data, need)
        order = rng.permutation(len(sentences))
        query_texts = [sentences[i] for i in order[: args.queries]]
        base_texts = [sentences[i] for i in order[args.queries :]]
        start = time.perf_counter()
        queries = store.embed(query_texts)
        real = np.vstack([chunk_vectors, store.embed(base_texts)]).astype(np.float32)
        embed_seconds = time.perf_counter() - start
        real = real[rng.permutation(len(real))]
        notes = (
            f"{len(real)} real vectors ({len(chunk_vectors)} chunks + {len(base_texts)} "
            f"sentences, embedded in {embed_seconds:.0f} s), the rest synthetic mixes; "
            f"{len(queries)} held-out sentence queries"
        )
        results = []
        for size in (int(s) for s in args.sizes.split(",")):
            vectors = build_vectors(real, size, rng)
            results += bench_search(vectors, queries, workdir, lance_index=not args.no_lance_index)
            print_search([r for r in results if r.vectors == size], notes)

        hits_times = []
        for q in queries[:100]:
            start = time.perf_counter()
            store.search_by_vector(q, k=10)
            hits_times.append(time.perf_counter() - start)
        print(
            f"\nMnemonicStore.search_by_vector on the ingested store ({len(chunk_vectors)} chunks,"
            f" FAISS {store.stats().index_kind} + LanceDB row fetch): p50 "
            f"{statistics.median(hits_times) * 1e3:.2f} ms, p99 "
            f"{np.percentile(hits_times, 99) * 1e3:.2f} ms"
        )
    print(f"\nTotal benchmark time: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
