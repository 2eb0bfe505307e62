"""What pre-encoding costs: single-process ingest against Ray Data with 1 and 2 workers.

    python -m eval.benchmarks.bench_ingest --data-dir ../shared/data --out runs/bench_ingest

Cells (corpus x level x engine), each run in its own process so peak memory is its own:

- corpora: WikiText-2 test (one file), a synthetic corpus of invented documents (>= 20,000
  chunks, text level only), and a slice of WikiText for soft tokens (the real encoder costs
  ~0.3-0.5 s per chunk on CPU);
- levels: `text` (embedding only), `hyperword` (+ hyperword ids), `soft` (+ soft tokens at
  every ratio the shipped encoder serves, one read per chunk);
- engines: `single` (one process), `ray1` and `ray2` (a local Ray of 2 CPUs, 1 or 2 workers).

Each cell writes `cells/NAME.json` (chunks/s, seconds, peak memory of the process tree, seconds
per stage); a cell already there is not run again (the benchmark resumes). The report prints
chunks/s side by side, as ratios to `single`, and the top-5 agreement of the WikiText stores.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

CELLS = [  # (corpus, level, engine), in the order they run
    *[("wikitext", "text", e) for e in ("single", "ray1", "ray2")],
    *[("soft-slice", "soft", e) for e in ("single", "ray1", "ray2")],
    *[("wikitext", "hyperword", e) for e in ("single", "ray1", "ray2")],
    *[("synthetic", "text", e) for e in ("single", "ray1", "ray2")],
]
SOFT_SLICE_CHARS = 150_000  # about 300 chunks of 128 Gemma tokens
SYNTHETIC_DOCS = 4_200  # about 5 chunks each
WORDS = [
    "river",
    "bridge",
    "lantern",
    "harbour",
    "glass",
    "tea",
    "beetle",
    "observatory",
    "festival",
    "market",
    "tower",
    "canal",
    "archive",
    "garden",
    "mill",
    "orchard",
    "quarry",
    "forge",
    "library",
    "ferry",
    "chapel",
    "meadow",
    "signal",
    "clock",
    "merchant",
    "weaver",
    "captain",
    "scholar",
    "builder",
    "painter",
    "keeper",
    "miller",
    "sailor",
    "astronomer",
]


def cell_name(corpus: str, level: str, engine: str) -> str:
    return f"{corpus}-{level}-{engine}"


def corpus_path(corpus: str, data_dir: Path, out: Path) -> Path:
    wikitext = data_dir / "wikitext-2-raw-test.txt.gz"
    if corpus == "wikitext":
        return wikitext
    path = out / "corpora" / (f"{corpus}.jsonl" if corpus == "synthetic" else f"{corpus}.txt")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        if corpus == "synthetic":
            _write_synthetic(path)
        else:
            with gzip.open(wikitext, "rt", encoding="utf-8") as handle:
                path.write_text(handle.read(SOFT_SLICE_CHARS))
    return path


def _write_synthetic(path: Path) -> None:
    rng = random.Random(0)
    with path.open("w") as handle:
        for i in range(SYNTHETIC_DOCS):
            sentences = [
                f"The {rng.choice(WORDS)} of town {rng.randrange(10_000)} "
                + " ".join(rng.choice(WORDS) for _ in range(rng.randrange(8, 20)))
                + "."
                for _ in range(rng.randrange(24, 36))
            ]
            handle.write(json.dumps({"id": f"synthetic-{i}", "text": " ".join(sentences)}) + "\n")


def run_cell(corpus: str, level: str, engine: str, data_dir: Path, out: Path) -> dict:
    """Ingest one corpus at one level with one engine into a fresh store; its numbers."""
    import shutil

    from mnemonic import MnemonicStore, create_chunk_encoder, ingest_files, load_soft_chunk_encoders

    path = corpus_path(corpus, data_dir, out)
    store_dir = out / "stores" / cell_name(corpus, level, engine)
    shutil.rmtree(store_dir, ignore_errors=True)
    encoders = {
        "text": list,
        "hyperword": lambda: [create_chunk_encoder("hyperword", path="gemma-3-270m")],
        "soft": load_soft_chunk_encoders,
    }[level]()
    start = time.perf_counter()
    with MnemonicStore(store_dir, encoders=encoders) as store:
        if engine == "single":
            report = store.ingest_paths([path])
        else:
            workers = int(engine.removeprefix("ray"))
            report = ingest_files([path], store, workers=workers, num_cpus=2)
    wall = time.perf_counter() - start
    return {
        "corpus": corpus,
        "level": level,
        "engine": engine,
        "chunks": report.chunks_written,
        "seconds": report.seconds,
        "wall_seconds": wall,
        "chunks_per_second": report.chunks_per_second,
        "startup_seconds": report.startup_seconds,
        "stage_seconds": report.stage_seconds,
    }


class PeakMemory:
    """Peak resident memory of a process and all its descendants, sampled twice a second."""

    def __init__(self, pid: int):
        self.process, self.peak, self.done = psutil.Process(pid), 0, threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        while not self.done.wait(0.5):
            total = 0
            try:
                for p in [self.process, *self.process.children(recursive=True)]:
                    total += p.memory_info().rss
            except psutil.Error:
                continue
            self.peak = max(self.peak, total)

    def stop(self) -> int:
        self.done.set()
        self.thread.join()
        return self.peak


def run_all(data_dir: Path, out: Path, cells: list[tuple[str, str, str]]) -> None:
    (out / "cells").mkdir(parents=True, exist_ok=True)
    for corpus, level, engine in cells:
        name = cell_name(corpus, level, engine)
        result = out / "cells" / f"{name}.json"
        if result.exists():
            print(f"{name}: done before, skipped", flush=True)
            continue
        command = [sys.executable, "-m", "eval.benchmarks.bench_ingest", "--cell", name]
        command += ["--data-dir", str(data_dir), "--out", str(out)]
        process = subprocess.Popen(command)
        memory = PeakMemory(process.pid)
        code = process.wait()
        peak = memory.stop()
        if code != 0:
            print(f"{name}: failed (exit {code})", flush=True)
            continue
        data = json.loads((out / "cells" / f"{name}.partial.json").read_text())
        data["peak_bytes"] = peak
        result.write_text(json.dumps(data, indent=2, sort_keys=True))
        (out / "cells" / f"{name}.partial.json").unlink()
        print(f"{name}: {data['chunks_per_second']:.1f} chunks/s, {peak / 1e9:.2f} GB", flush=True)


def top5_agreement(out: Path, n_queries: int = 20) -> dict[str, dict[str, int]]:
    """How many of 20 WikiText queries get the single-process store's top-5 ids (in the same
    order, and as a set) from each Ray store."""
    from mnemonic import MnemonicStore

    stores = out / "stores"
    single = stores / "wikitext-text-single"
    if not single.exists():
        return {}
    with MnemonicStore(single, create=False) as reference:
        texts = reference._chunks.search().select(["text"]).limit(None).to_arrow()["text"]
        queries = [
            t.split(". ")[0][:200] for t in texts.to_pylist()[:: max(1, len(texts) // n_queries)]
        ]
        queries = queries[:n_queries]
        expected = [[h.id for h in reference.search(q, k=5)] for q in queries]
        agreement = {}
        for engine in ("ray1", "ray2"):
            folder = stores / f"wikitext-text-{engine}"
            if folder.exists():
                with MnemonicStore(folder, create=False) as store:
                    got = [[h.id for h in store.search(q, k=5)] for q in queries]
                pairs = list(zip(got, expected, strict=True))
                agreement[engine] = {
                    "same_order": sum(g == e for g, e in pairs),
                    "same_set": sum(set(g) == set(e) for g, e in pairs),
                }
    return agreement


def report(out: Path) -> str:
    """The cells side by side: chunks/s, ratio to single, peak memory, stage shares."""
    from mnemonic.ingest_rows import STAGES

    cells = {p.stem: json.loads(p.read_text()) for p in sorted((out / "cells").glob("*.json"))}
    lines = [
        "| corpus | level | engine | chunks | chunks/s | vs single | after start-up | vs single "
        "| start-up s | peak GB | " + " | ".join(f"{s} %" for s in STAGES) + " |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|" + "---:|" * len(STAGES),
    ]
    for corpus, level, engine in CELLS:
        cell = cells.get(cell_name(corpus, level, engine))
        if cell is None:
            continue
        base = cells.get(cell_name(corpus, level, "single"))
        ratio = cell["chunks_per_second"] / base["chunks_per_second"] if base else float("nan")
        steady = _steady(cell)
        steady_ratio = steady / _steady(base) if base else float("nan")
        total = sum(cell["stage_seconds"].values()) or 1.0
        shares = " | ".join(f"{100 * cell['stage_seconds'][s] / total:.1f}" for s in STAGES)
        lines.append(
            f"| {corpus} | {level} | {engine} | {cell['chunks']:,} | "
            f"{cell['chunks_per_second']:.1f} | {ratio:.2f}x | "
            f"{steady:.1f} | {steady_ratio:.2f}x | "
            f"{cell['startup_seconds']:.0f} | {cell['peak_bytes'] / 1e9:.2f} | "
            f"{shares} |"
        )
    return "\n".join(lines)


def _steady(cell: dict) -> float:
    """Chunks/s once chunks were being encoded (models loaded, workers started)."""
    return cell["chunks"] / max(cell["seconds"] - cell["startup_seconds"], 1e-9)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("runs/bench_ingest"))
    parser.add_argument("--cell", default=None, help="run one cell (used by the benchmark)")
    parser.add_argument("--only", default=None, help="comma-separated cell names to run")
    args = parser.parse_args(argv)
    if args.cell:
        corpus, level, engine = next(c for c in CELLS if cell_name(*c) == args.cell)
        data = run_cell(corpus, level, engine, args.data_dir, args.out)
        (args.out / "cells" / f"{args.cell}.partial.json").write_text(json.dumps(data))
        return
    cells = CELLS
    if args.only:
        wanted = set(args.only.split(","))
        cells = [c for c in CELLS if cell_name(*c) in wanted]
    run_all(args.data_dir, args.out, cells)
    table = report(args.out)
    agreement = top5_agreement(args.out)
    print(table)
    print(f"top-5 ids equal to the single-process store's, of 20 WikiText queries: {agreement}")
    (args.out / "report.md").write_text(table + f"\n\ntop-5 agreement: {agreement}\n")


if __name__ == "__main__":
    main()
