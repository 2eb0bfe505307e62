"""The multi-hop benchmark on real HotpotQA: retrieval modes, budgets, readers, in one command.

    python -m eval.benchmarks.bench_multihop \
        --data ../shared/data/hotpotqa-dev-distractor-200.jsonl.gz \
        --budgets 128,256,512 --out runs/bench-multihop

Every cell answers the same questions (all of the file, or a seeded `--limit`) with one
method: `closed-book` and `full` once; `rag-text` and `llmlingua` at every budget; and the
orchestrator in each `--variants` entry at every budget:

| variant | method options (`orchestrated`) |
|---|---|
| `hops1` | `hops=1`: the question alone |
| `bridge` | `hops=2, links=false`: today's bridge-sentence search |
| `links` | `hops=2, links=true`: link-following (`orchestrator.linked`) |
| `*-plain` | the same with `encoder=none`: the plain model reads (no tuned decoder) |
| `*-free` | the same with `answer_forms=false`: yes/no and either-or questions answered by
free generation too (`hyperword.answer_forms`) |
| `*-nosoft` | the same with the soft levels off (`levels`: text and hyperword ids only): the
tuned decoder still reads, so this isolates what the soft tokens add |
| `*-strong` | the same with only the soft levels that beat truncation at equal positions
(`ratio-4`, `scene`; `STRONG_LEVELS`) |
| `*-norest` | the same without the default policy's `rest_view` (the sentences an excerpt
left out, as soft tokens in the room it left unused: `orchestrator.rests`) |
| `*-notail` | the same without the default policy's `soft_tail`: the plan of the token levels
alone, soft tokens only in the room it leaves (the rest view) |

`--encoder DIR` gives every variant but the `-plain` ones that encoder (and its decoder)
instead of the shipped one: a freshly trained encoder can be measured before it ships.

Baselines: `closed-book`, `full`, `rag-text`, `llmlingua`, and `rag-text-forms` (rag-text
with the same yes/no and either-or answering as the orchestrator: how much of the
orchestrator's margin comes from that answering step alone).

Scores are reported twice: on every question, and on the *held-out* part of a seeded split
(`split_ids`: the questions' file positions shuffled by `random.Random(seed)`, the first
`--tune` of them the tuning part, the rest held out); `--part held-out` (or `tuning`) runs
that part alone. Everything in the retrieval and the policy was tuned on the tuning part
only, so the held-out numbers are the ones that count. Besides F1 and EM each row gives the
*supporting-paragraph recall*: the share of questions whose two supporting paragraphs are
both among the sources put in the context (for `full`: all paragraphs; for `closed-book`:
none; `-` where a method does not report its sources, as LLMLingua).

Resumable as `bench_orchestrator` is: `DIR/bench.json` and `DIR/bench.md` are rewritten
after every cell, a cell in progress records each answer in `DIR/checkpoints/`, and the same
command run again reuses every finished cell whose settings are unchanged (a method's
`revision` is part of them). `--llmlingua-limit` gives LLMLingua a prefix of the same sample.
Each question's store is built once, into `DIR/stores/`, and reused by every later cell and
run (delete the folder to rebuild it); the orchestrator's encoder is loaded once and keeps
each chunk's frozen features, so a cell at another budget or in another variant costs mostly
its answers.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from eval.benchmarks.bench_orchestrator import Cell, _run_cell
from eval.benchmarks.bench_orchestrator_report import CellResult
from eval.exceptions import EvalError
from eval.runner import EvalConfig, load_examples
from hyperword.exceptions import HyperwordError
from hyperword.levels import level_names, soft_levels
from hyperword.models import DEFAULT_MODEL

__all__ = [
    "PARTS",
    "VARIANTS",
    "MultihopConfig",
    "main",
    "part_ids",
    "plan_cells",
    "run_multihop",
    "split_ids",
]

TASK = "hotpotqa"
# the token levels and the soft ones that beat truncation at their positions (docs/encoder.md)
STRONG_LEVELS = ("text", "hyperword", "ratio-4", "scene")
VARIANTS: dict[str, dict[str, Any]] = {
    "hops1": {"hops": 1},
    "bridge": {"hops": 2, "links": False},
    "links": {"hops": 2, "links": True},
}
SUFFIXES = {
    "-plain": {"encoder": "none"},
    "-free": {"answer_forms": False},
    "-nosoft": {"levels": [n for n in level_names() if n not in {lv.name for lv in soft_levels()}]},
    "-strong": {"levels": list(STRONG_LEVELS)},
    "-norest": {"rest_view": False},
    "-notail": {"soft_tail": False},
}
TEXT_BASELINES = {"rag-text": {}, "llmlingua": {}, "rag-text-forms": {"answer_forms": True}}
PARTS = ("all", "held-out", "tuning")


@dataclass(frozen=True)
class MultihopConfig:
    """What the benchmark runs."""

    data: str
    budgets: tuple[int, ...] = (128, 256, 512)
    baselines: tuple[str, ...] = ("closed-book", "full", "rag-text", "llmlingua")
    variants: tuple[str, ...] = tuple(VARIANTS) + tuple(f"{v}-plain" for v in VARIANTS)
    limit: int | None = None
    llmlingua_limit: int | None = 20
    tune: int = field(default=100, metadata={"help": "questions in the tuning part"})
    model: str = DEFAULT_MODEL
    seed: int = 0
    max_new_tokens: int = 32
    part: str = field(default="all", metadata={"help": "questions run: " + ", ".join(PARTS)})
    encoder: str | None = field(
        default=None, metadata={"help": "encoder folder for the variants (default: shipped)"}
    )

    def __post_init__(self) -> None:
        if self.part not in PARTS:
            raise EvalError(f"part must be one of {list(PARTS)}, got {self.part!r}")
        unknown = [v for v in self.variants if _split_variant(v)[0] not in VARIANTS]
        if unknown:
            raise EvalError(
                f"unknown variants {unknown}; known: {list(VARIANTS)} (+ {', '.join(SUFFIXES)})"
            )
        known = ("closed-book", "full", *TEXT_BASELINES)
        if any(b not in known for b in self.baselines):
            raise EvalError(f"unknown baselines in {list(self.baselines)}; known: {list(known)}")
        if not self.budgets or any(b < 1 for b in self.budgets):
            raise EvalError(f"budgets must be positive token counts, got {self.budgets}")


def _split_variant(variant: str) -> tuple[str, list[str]]:
    """A variant name's base and its suffixes: `links-plain-free` -> `links`, both."""
    suffixes = []
    while any(variant.endswith(s) for s in SUFFIXES):
        suffix = next(s for s in SUFFIXES if variant.endswith(s))
        suffixes.insert(0, suffix)
        variant = variant.removesuffix(suffix)
    return variant, suffixes


def variant_options(variant: str, encoder: str | None = None) -> dict[str, Any]:
    """The `orchestrated` method options of a variant name (`links`, `links-plain`, ...);
    `encoder` (a folder) replaces the shipped one except where `-plain` turns it off."""
    base, suffixes = _split_variant(variant)
    options = dict(VARIANTS[base])
    if encoder is not None:
        options["encoder"] = str(encoder)
    for suffix in suffixes:
        options.update(SUFFIXES[suffix])
    return options


def plan_cells(config: MultihopConfig) -> list[tuple[str, Cell]]:
    """`(row label, cell)` for every cell, in the order they run."""
    ids = part_ids(config)
    shared = {
        "task": TASK,
        "data": config.data,
        "model": config.model,
        "seed": config.seed,
        "max_new_tokens": config.max_new_tokens,
        "task_options": {} if ids is None else {"ids": ids},
    }
    cells: list[tuple[str, Cell]] = []
    for method in ("closed-book", "full"):
        if method in config.baselines:
            eval_config = EvalConfig(methods=(method,), limit=config.limit, **shared)
            cells.append((method, Cell(TASK, method, None, eval_config)))
    for budget in config.budgets:
        for label, options in TEXT_BASELINES.items():
            if label not in config.baselines:
                continue
            method = label.removesuffix("-forms")
            limit = config.llmlingua_limit if method == "llmlingua" else config.limit
            if config.limit is not None and limit is not None:
                limit = min(limit, config.limit)
            eval_config = EvalConfig(
                methods=(method,),
                limit=limit,
                budget=budget,
                method_options={method: options} if options else {},
                **shared,
            )
            cells.append((label, Cell(TASK, method, budget, eval_config)))
        for variant in config.variants:
            options = {"orchestrated": variant_options(variant, config.encoder)}
            eval_config = EvalConfig(
                methods=("orchestrated",),
                limit=config.limit,
                budget=budget,
                method_options=options,
                **shared,
            )
            cells.append(
                (f"orchestrated[{variant}]", Cell(TASK, "orchestrated", budget, eval_config))
            )
    return cells


def split_ids(config: MultihopConfig) -> tuple[set[str], set[str]]:
    """`(tuning ids, held-out ids)`: the questions' file positions shuffled by
    `random.Random(seed)`, the first `tune` of them the tuning part."""
    every = EvalConfig(task=TASK, methods=("closed-book",), data=config.data, seed=config.seed)
    ids = [example.id for example in load_examples(every)]
    order = list(range(len(ids)))
    random.Random(config.seed).shuffle(order)
    return {ids[i] for i in order[: config.tune]}, {ids[i] for i in order[config.tune :]}


def part_ids(config: MultihopConfig) -> list[str] | None:
    """The question ids `config.part` runs on (None: every question)."""
    if config.part == "all":
        return None
    tune_ids, held_ids = split_ids(config)
    return sorted(held_ids if config.part == "held-out" else tune_ids)


@dataclass
class Row:
    """One table row: a cell's scores on a set of questions."""

    label: str
    budget: int | None
    part: str
    n: int
    f1: float
    em: float
    context_tokens: float
    support: float | None  # share with both supporting paragraphs among the sources


def _supported(record: Any, gold: tuple[str, ...], method: str) -> bool | None:
    if method == "full":
        return True
    if method == "closed-book":
        return False
    sources = record.details.get("sources") if isinstance(record.details, dict) else None
    if sources is None:
        return None
    return set(gold) <= {source["doc_id"] for source in sources}


def rows_for(label: str, cell: CellResult, gold: dict[str, tuple[str, ...]], parts) -> list[Row]:
    """The cell's row on every question and on each part of the split."""
    rows = []
    for part, ids in parts:
        records = [r for r in cell.records if ids is None or r.example_id in ids]
        if not records:
            continue
        supported = [_supported(r, gold[r.example_id], cell.method) for r in records]
        known = [s for s in supported if s is not None]
        rows.append(
            Row(
                label=label,
                budget=cell.budget,
                part=part,
                n=len(records),
                f1=100 * statistics.fmean(r.f1 for r in records),
                em=100 * statistics.fmean(r.em for r in records),
                context_tokens=statistics.fmean(r.context_tokens for r in records),
                support=100 * statistics.fmean(known) if known else None,
            )
        )
    return rows


def format_rows(rows: list[Row]) -> str:
    lines = [
        "| part | method | budget | n | F1 | EM | context tokens | both supporting in sources % |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        budget = "-" if r.budget is None else str(r.budget)
        support = "-" if r.support is None else f"{r.support:.1f}"
        lines.append(
            f"| {r.part} | {r.label} | {budget} | {r.n} | {r.f1:.1f} | {r.em:.1f} "
            f"| {r.context_tokens:.0f} | {support} |"
        )
    return "\n".join(lines)


def _load_saved(path: Path) -> dict[str, CellResult]:
    if not path.is_file():
        return {}
    data = json.loads(path.read_text())
    cells = [CellResult.from_dict(c) for c in data["cells"] + data.get("earlier_cells", [])]
    return {c.digest: c for c in cells if c.summary is not None}


def _write(out: Path, config: MultihopConfig, done, earlier, rows: list[Row]) -> None:
    data = {
        "config": asdict(config),
        "cells": [c.to_dict() for _, c in done],
        "labels": [label for label, _ in done],
        "rows": [asdict(r) for r in rows],
        "earlier_cells": [c.to_dict() for c in earlier],
    }
    temporary = out / "bench.json.tmp"
    temporary.write_text(json.dumps(data, indent=1, sort_keys=True))
    os.replace(temporary, out / "bench.json")
    header = (
        f"# Multi-hop benchmark\n\nModel `{config.model}`, `{config.data}`, seed {config.seed}; "
        f"tuning part: {config.tune} questions of a seeded permutation, the rest held out.\n\n"
    )
    (out / "bench.md").write_text(header + format_rows(rows) + "\n")


def run_multihop(
    config: MultihopConfig,
    out_dir: str | Path,
    *,
    model=None,
    tokenizer=None,
    progress: bool = True,
) -> list[Row]:
    """Run (or resume) every cell; returns the table's rows (every part)."""
    out = Path(out_dir)
    (out / "checkpoints").mkdir(parents=True, exist_ok=True)
    saved = _load_saved(out / "bench.json")
    tune_ids, held_ids = split_ids(config)
    every = EvalConfig(task=TASK, methods=("closed-book",), data=config.data, seed=config.seed)
    gold = {example.id: example.gold_titles for example in load_examples(every)}
    parts = [("all", None), ("held-out", held_ids), ("tuning", tune_ids)]
    done: list[tuple[str, CellResult]] = []
    rows: list[Row] = []
    for label, cell in plan_cells(config):
        result = saved.get(cell.digest)
        if result is None:
            if model is None:
                from hyperword.models import load_base_model

                model, tokenizer = load_base_model(config.model)
            budget = "nobudget" if cell.budget is None else cell.budget
            checkpoint = out / "checkpoints" / f"{label}-{budget}-{cell.digest}.jsonl"
            result = _run_cell(cell, checkpoint, model, tokenizer, progress)
            checkpoint.unlink(missing_ok=True)
        done.append((label, result))
        rows += rows_for(label, result, gold, parts)
        finished = {c.digest for _, c in done}
        _write(out, config, done, [c for d, c in saved.items() if d not in finished], rows)
        print(format_rows(rows_for(label, result, gold, parts[:2])).splitlines()[-1], flush=True)
    with contextlib.suppress(OSError):
        (out / "checkpoints").rmdir()
    return rows


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part.strip())


def _names(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="HotpotQA file (either layout).")
    parser.add_argument("--budgets", type=_ints, default=MultihopConfig.budgets)
    parser.add_argument("--baselines", type=_names, default=MultihopConfig.baselines)
    parser.add_argument("--variants", type=_names, default=MultihopConfig.variants)
    parser.add_argument("--limit", type=int, default=None, help="Questions (seeded sample).")
    parser.add_argument("--llmlingua-limit", type=int, default=20)
    parser.add_argument("--tune", type=int, default=100, help="Questions in the tuning part.")
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument(
        "--part", choices=PARTS, default="all", help="Run every question or one part only."
    )
    parser.add_argument("--encoder", default=None, help="Encoder folder (default: shipped).")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        config = MultihopConfig(
            data=args.data,
            budgets=args.budgets,
            baselines=args.baselines,
            variants=args.variants,
            limit=args.limit,
            llmlingua_limit=args.llmlingua_limit,
            tune=args.tune,
            model=args.model,
            seed=args.seed,
            max_new_tokens=args.max_new_tokens,
            part=args.part,
            encoder=args.encoder,
        )
        rows = run_multihop(config, args.out)
    except HyperwordError as error:
        parser.exit(1, f"error: {error}\n")
    print("\n" + format_rows(rows), flush=True)
    print(f"wrote {args.out / 'bench.json'} and {args.out / 'bench.md'}", flush=True)


if __name__ == "__main__":
    main()
