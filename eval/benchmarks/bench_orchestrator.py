"""The orchestrator benchmark (issue #6) in one command: a table of F1 against context tokens.

    python -m eval.benchmarks.bench_orchestrator \
        --squad ../shared/data/squad-v1.1-dev-part1.json.gz \
        --distractors 20,50 --budgets 64,128,256,512 \
        --methods orchestrated,rag-text,llmlingua,full --limit 100 --llmlingua-limit 10 \
        --out runs/bench-orchestrator

For each distractor count, `squad-distractor` with the methods that read no budget (`full`)
once and the budgeted ones at every budget; then the invented two-hop set
(`eval.make_multihop`, generated into `--out` unless `--multihop` names a file) with
`--multihop-methods` at `--multihop-budget`. Every (task, method, budget) cell is one
`eval.runner.run_eval` on the same seeded uniform sample (`eval.tasks.sample_examples`); a
method given fewer questions (`--llmlingua-limit`) answers a prefix of the same seeded
permutation, a subset, and its row says its n. The model is loaded once.

Resumable: `DIR/bench.json` and `DIR/bench.md` are rewritten after every cell, a cell in
progress records each answer in `DIR/checkpoints/`, and the same command run again reuses
every finished cell whose settings are unchanged. Each question's store is built once into
`DIR/stores/` and reused by the cells at other budgets (delete it to rebuild). Target checks
compare F1 on the questions both sides answered
(`eval.benchmarks.bench_orchestrator_report.Check`).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from eval.benchmarks.bench_orchestrator_report import (
    CellResult,
    Check,
    format_checks,
    format_row,
    table_header,
)
from eval.exceptions import EvalError
from eval.make_multihop import build_multihop, write_multihop
from eval.methods import get_method
from eval.runner import EvalConfig, run_eval
from eval.tasks.squad_distractor import MAX_DISTRACTORS
from hyperword.exceptions import HyperwordError
from hyperword.models import DEFAULT_MODEL

__all__ = [
    "BenchConfig",
    "BenchResult",
    "Cell",
    "main",
    "multihop_file",
    "plan_cells",
    "run_bench",
    "target_checks",
]

MULTIHOP = "multihop"
SUBJECT = "orchestrated"
RIVALS = ("rag-text", "llmlingua")


@dataclass(frozen=True)
class BenchConfig:
    """What the benchmark runs; every cell shares `model`, `seed`, `limit`."""

    squad: str = field(metadata={"help": "SQuAD v1.1 file for the squad-distractor task"})
    multihop: str | None = field(
        default=None, metadata={"help": "HotpotQA-layout file; None: generated into the out dir"}
    )
    distractors: tuple[int, ...] = (20, 50)
    budgets: tuple[int, ...] = (64, 128, 256, 512)
    methods: tuple[str, ...] = ("orchestrated", "rag-text", "llmlingua", "full")
    limit: int | None = 100
    method_limits: dict[str, int] = field(
        default_factory=dict, metadata={"help": "method -> fewer questions (same sample)"}
    )
    multihop_methods: tuple[str, ...] = ("full", "rag-text", "orchestrated", "closed-book")
    multihop_budget: int = 256
    multihop_n: int = 100
    multihop_distractors: int = 8
    model: str = DEFAULT_MODEL
    seed: int = 0
    max_new_tokens: int = 32
    small_budget: int = field(default=64, metadata={"help": "orchestrated@small / rag@large"})
    large_budget: int = 256
    target_ratio: float = 0.90

    def __post_init__(self):
        for name in (*self.methods, *self.multihop_methods, *self.method_limits):
            get_method(name)
        counts = {
            "budgets": (self.budgets, 1),
            "distractors": (self.distractors, 0),
            "method_limits": (tuple(self.method_limits.values()), 1),
            "limit": (() if self.limit is None else (self.limit,), 1),
            "multihop_budget": ((self.multihop_budget,), 1),
            "multihop_n": ((self.multihop_n,), 1),
            "multihop_distractors": ((self.multihop_distractors,), 0),
        }
        for name, (values, minimum) in counts.items():
            for value in values:
                if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                    raise EvalError(f"{name}: expected integers >= {minimum}, got {value!r}")
        if any(d > MAX_DISTRACTORS for d in self.distractors):
            raise EvalError(f"distractors must be at most {MAX_DISTRACTORS}: {self.distractors}")
        if not self.budgets and any(get_method(m).uses_budget for m in self.methods):
            raise EvalError("name at least one budget for the budgeted methods")
        if self.small_budget > self.large_budget:
            raise EvalError(
                f"small_budget {self.small_budget} is above large_budget {self.large_budget}"
            )


@dataclass(frozen=True)
class Cell:
    """One row of the table: a task, a method, a budget (`None`: the method reads none)."""

    task: str
    method: str
    budget: int | None
    config: EvalConfig

    @functools.cached_property  # it hashes the encoder's weight files: once per cell
    def digest(self) -> str:
        """Identifies the cell's settings: a finished cell is reused only when it matches.

        A method whose behaviour changed sets a `revision` (`Method.revision`); it is part of
        the settings, so cells measured before the change are run again. So is the digest of
        the encoder a method loads (`Method.weights`): a cell of the shipped encoder is run
        again once another encoder ships.
        """
        settings = asdict(self.config)
        method = get_method(self.method)
        if method.revision is not None:
            settings["method_revision"] = method.revision
        weights = method.weights(self.config.method_options.get(self.method, {}))
        if weights is not None:  # an encoder's weights, read from its folder
            settings["weights"] = weights
        text = json.dumps(settings, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class BenchResult:
    config: BenchConfig
    cells: list[CellResult]
    checks: list[Check]
    reused: tuple[str, ...] = ()  # digests of cells taken from an earlier run


def plan_cells(config: BenchConfig, multihop: str | Path | None) -> list[Cell]:
    """Every cell, in the order they run and are shown."""
    cells = []
    for count in config.distractors:
        cells += _task_cells(
            config,
            f"squad-distractor-{count}",
            config.methods,
            config.budgets,
            task="squad-distractor",
            data=config.squad,
            task_options={"distractors": count},
        )
    if config.multihop_methods and multihop is not None:
        cells += _task_cells(
            config,
            MULTIHOP,
            config.multihop_methods,
            (config.multihop_budget,),
            task="hotpotqa",
            data=str(multihop),
            task_options={},
        )
    return cells


def _task_cells(config: BenchConfig, label, methods, budgets, **task) -> list[Cell]:
    free = [m for m in methods if not get_method(m).uses_budget]
    budgeted = [m for m in methods if get_method(m).uses_budget]
    plan = [(m, None) for m in free] + [(m, b) for b in budgets for m in budgeted]
    cells = []
    for method, budget in plan:
        limit = config.method_limits.get(method, config.limit)
        if config.limit is not None and limit is not None:
            limit = min(limit, config.limit)
        eval_config = EvalConfig(
            methods=(method,),
            model=config.model,
            limit=limit,
            seed=config.seed,
            max_new_tokens=config.max_new_tokens,
            **({} if budget is None else {"budget": budget}),
            **task,
        )
        cells.append(Cell(label, method, budget, eval_config))
    return cells


def multihop_file(config: BenchConfig, out_dir: Path) -> Path | None:
    """The multi-hop data: `config.multihop`, else a generated file in `out_dir`."""
    if not config.multihop_methods:
        return None
    if config.multihop is not None:
        return Path(config.multihop)
    n, k, seed = config.multihop_n, config.multihop_distractors, config.seed
    path = out_dir / f"multihop-n{n}-d{k}-seed{seed}.json"
    if not path.is_file():
        write_multihop(path, build_multihop(n, distractors=k, seed=seed))
    return path


class _BenchFiles:
    """`bench.json` (every finished cell, with records) and `bench.md`, rewritten per cell."""

    def __init__(self, out_dir: Path, config: BenchConfig):
        self.out = out_dir
        self.config = config
        self.json = out_dir / "bench.json"
        self.markdown = out_dir / "bench.md"
        self.checkpoints = out_dir / "checkpoints"

    def load(self) -> dict[str, CellResult]:
        if not self.json.is_file():
            return {}
        data = json.loads(self.json.read_text())
        cells = [CellResult.from_dict(c) for c in data["cells"] + data.get("earlier_cells", [])]
        return {c.digest: c for c in cells if c.summary is not None}

    def checkpoint(self, cell: Cell) -> Path:
        budget = "nobudget" if cell.budget is None else cell.budget
        return self.checkpoints / f"{cell.task}-{cell.method}-{budget}-{cell.digest}.jsonl"

    def write(self, cells: list[CellResult], earlier: list[CellResult], checks: list[Check]):
        data = {
            "config": asdict(self.config),
            "cells": [c.to_dict() for c in cells],
            "checks": [c.to_dict() for c in checks],
            "earlier_cells": [c.to_dict() for c in earlier],
        }
        temporary = self.json.with_suffix(".json.tmp")
        temporary.write_text(json.dumps(data, indent=1, sort_keys=True))
        os.replace(temporary, self.json)  # a kill never leaves half a file
        self.markdown.write_text(_markdown(self.config, cells, checks))


def _print(line: str) -> None:
    print(line, flush=True)


def run_bench(
    config: BenchConfig,
    out_dir: str | Path,
    *,
    model=None,
    tokenizer=None,
    progress: bool = True,
    echo: Callable[[str], Any] = _print,
) -> BenchResult:
    """Run (or resume) every cell, writing `bench.json` and `bench.md` after each.

    Args:
        config: What to run.
        out_dir: Folder for the results, the checkpoints and a generated multi-hop set.
        model, tokenizer: A loaded model instead of `config.model`, which is otherwise loaded
            once, when the first cell that is not finished yet starts (tests pass a tiny one).
        progress: Progress bars on stderr.
        echo: Receives the table, a row at a time, then the target checks.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = _BenchFiles(out, config)
    saved = files.load()
    cells = plan_cells(config, multihop_file(config, out))
    done: list[CellResult] = []
    reused = []
    echo(table_header())
    for cell in cells:
        result = saved.get(cell.digest)
        if result is not None:
            reused.append(cell.digest)
        else:
            if model is None:
                from hyperword.models import load_base_model

                model, tokenizer = load_base_model(config.model)
            result = _run_cell(cell, files.checkpoint(cell), model, tokenizer, progress)
        done.append(result)
        finished = {c.digest for c in done}
        earlier = [c for d, c in saved.items() if d not in finished]
        files.write(done, earlier, target_checks(config, done))
        files.checkpoint(cell).unlink(missing_ok=True)
        echo(format_row(result))
    with contextlib.suppress(OSError):
        files.checkpoints.rmdir()
    checks = target_checks(config, done)
    if checks:
        echo("\n" + format_checks(checks))
    return BenchResult(config=config, cells=done, checks=checks, reused=tuple(reused))


def _run_cell(cell: Cell, checkpoint: Path, model, tokenizer, progress: bool) -> CellResult:
    """Run one cell; example stores are kept beside the checkpoints (`OUT/stores`) for the
    cells that ask the same questions at other budgets or in other variants."""
    result = run_eval(
        cell.config,
        model=model,
        tokenizer=tokenizer,
        progress=progress,
        checkpoint=checkpoint,
        store_cache=checkpoint.parent.parent / "stores",
    )
    return CellResult(
        task=cell.task,
        method=cell.method,
        budget=cell.budget,
        digest=cell.digest,
        config=json.loads(json.dumps(asdict(cell.config))),
        model=result.model,
        template=result.template,
        summary=result.summaries[0] if result.summaries else None,
        records=result.records,
        skipped=result.skipped.get(cell.method),
    )


def target_checks(config: BenchConfig, cells: list[CellResult]) -> list[Check]:
    """The issue's targets, for the cells finished so far.

    Per distractor count: orchestrated@small / rag-text@large >= `target_ratio`, and
    orchestrated against each rival at every budget from small to large. Multi-hop:
    orchestrated@multihop_budget against `full` and rag-text at the same budget.
    """
    found = {(c.task, c.method, c.budget): c for c in cells if c.summary is not None}
    small, large, multihop = config.small_budget, config.large_budget, config.multihop_budget
    pairs = []
    for count in config.distractors:
        task = f"squad-distractor-{count}"
        pairs.append((task, (SUBJECT, small), ("rag-text", large), config.target_ratio))
        for budget in sorted(b for b in config.budgets if small <= b <= large):
            pairs += [(task, (SUBJECT, budget), (rival, budget), None) for rival in RIVALS]
    pairs.append((MULTIHOP, (SUBJECT, multihop), ("full", None), None))
    pairs.append((MULTIHOP, (SUBJECT, multihop), ("rag-text", multihop), None))
    checks = []
    for task, left, right, target in pairs:
        a, b = found.get((task, *left)), found.get((task, *right))
        check = Check.between(task, a, b, target=target) if a and b else None
        if check is not None:
            checks.append(check)
    return checks


def _markdown(config: BenchConfig, cells: list[CellResult], checks: list[Check]) -> str:
    models = sorted({c.model for c in cells}) or [config.model]
    limits = ", ".join(f"`{m}` {n}" for m, n in config.method_limits.items())
    lines = [
        "# Orchestrator benchmark",
        "",
        f"Model `{', '.join(models)}`, seed {config.seed}, {config.limit or 'all'} questions "
        "per task sampled uniformly (the same ones for every method and budget"
        + (f"; fewer for {limits}, a subset of them" if limits else "")
        + f"). `squad-distractor-K`: `{config.squad}`, each question's paragraph among K "
        f"paragraphs of other articles. `{MULTIHOP}`: invented two-hop bridge questions "
        f"(`eval.make_multihop`: {config.multihop or 'generated'}). F1 and EM in percent; "
        "context tokens with the target model's tokenizer; compression = full-context tokens "
        "/ context tokens.",
        "",
        table_header(),
        *(format_row(c) for c in cells),
        "",
        format_checks(checks),
    ]
    return "\n".join(lines) + "\n"


def _ints(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers, got {text!r}"
        ) from None


def _names(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", required=True, help="SQuAD v1.1 file (.json or .json.gz).")
    parser.add_argument("--multihop", default=None, help="HotpotQA-layout file (default: made).")
    parser.add_argument("--distractors", type=_ints, default=(20, 50))
    parser.add_argument("--budgets", type=_ints, default=(64, 128, 256, 512))
    parser.add_argument("--methods", type=_names, default=BenchConfig.methods)
    parser.add_argument("--limit", type=int, default=100, help="Questions per task (seeded).")
    parser.add_argument("--llmlingua-limit", type=int, default=None, help="Its questions.")
    parser.add_argument("--multihop-methods", type=_names, default=BenchConfig.multihop_methods)
    parser.add_argument("--multihop-budget", type=int, default=256)
    parser.add_argument("--multihop-n", type=int, default=100, help="Generated questions.")
    parser.add_argument("--multihop-distractors", type=int, default=8)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--out", type=Path, required=True, help="Folder for bench.json/md.")
    args = parser.parse_args(argv)
    try:
        config = BenchConfig(
            squad=args.squad,
            multihop=args.multihop,
            distractors=args.distractors,
            budgets=args.budgets,
            methods=args.methods,
            limit=args.limit,
            method_limits={}
            if args.llmlingua_limit is None
            else {"llmlingua": args.llmlingua_limit},
            multihop_methods=args.multihop_methods,
            multihop_budget=args.multihop_budget,
            multihop_n=args.multihop_n,
            multihop_distractors=args.multihop_distractors,
            model=args.model,
            seed=args.seed,
            max_new_tokens=args.max_new_tokens,
        )
        run_bench(config, args.out)
    except HyperwordError as error:  # EvalError, UnknownNameError
        parser.exit(1, f"error: {error}\n")
    print(f"wrote {args.out / 'bench.json'} and {args.out / 'bench.md'}", flush=True)


if __name__ == "__main__":
    main()
