"""Regenerate `docs/results.md`: every registered method on SQuAD part 1 and its distractor task.

    python -m eval.results_doc --data-dir ../shared/data

Each run also leaves results.json, results.md and quality_vs_tokens.png under `--runs-dir`.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
from dataclasses import dataclass
from pathlib import Path

import torch

from eval.methods import METHODS
from eval.records import ExampleRecord, MethodSummary, summarize
from eval.report import format_table, write_results
from eval.runner import EvalConfig, EvalResult, run_eval
from hyperword.models import DEFAULT_MODEL, load_base_model

__all__ = ["main"]

SQUAD_FILE = "squad-v1.1-dev-part1.json.gz"


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    config: EvalConfig


def sections(data_dir: Path, methods: tuple[str, ...], args) -> list[Section]:
    squad = str(data_dir / SQUAD_FILE)
    return [
        Section(
            "squad",
            "SQuAD v1.1 dev part 1: one paragraph per question",
            EvalConfig(
                task="squad",
                data=squad,
                methods=methods,
                model=args.model,
                limit=args.squad_limit,
                budget=args.budget,
                seed=args.seed,
            ),
        ),
        Section(
            "squad-distractor-20",
            "SQuAD distractor: the gold paragraph among 20 paragraphs of other articles",
            EvalConfig(
                task="squad-distractor",
                data=squad,
                methods=methods,
                model=args.model,
                limit=args.distractor_limit,
                budget=args.budget,
                seed=args.seed,
                task_options={"distractors": 20},
            ),
        ),
    ]


def merge_previous(result: EvalResult, saved: Path) -> EvalResult:
    """Keep the saved results of methods this run did not redo (so `--methods` refreshes some).

    Samples are seeded prefixes of one permutation, so methods run with different limits
    share their first questions; each row states its own `n`.
    """
    if not saved.is_file():
        return result
    data = json.loads(saved.read_text())
    redone = {s.method for s in result.summaries}
    kept = [MethodSummary(**s) for s in data["summaries"] if s["method"] not in redone]
    kept_records = [
        ExampleRecord.from_dict(r) for r in data["records"] if r["method"] not in redone
    ]
    names = [s["method"] for s in data["summaries"]]
    names += [s.method for s in result.summaries if s.method not in names]
    summaries = sorted(kept + result.summaries, key=lambda s: names.index(s.method))
    return EvalResult(
        config=result.config,
        model=result.model,
        template=result.template,
        records=kept_records + result.records,
        summaries=summaries,
        skipped={k: v for k, v in data["skipped"].items() if k not in redone} | result.skipped,
    )


def _in_registry_order(summaries: list[MethodSummary]) -> list[MethodSummary]:
    order = {name: i for i, name in enumerate(METHODS)}
    return sorted(summaries, key=lambda s: order.get(s.method, len(order)))


def _on_shared_questions(
    summaries: list[MethodSummary], records: list[dict]
) -> list[MethodSummary]:
    """Summaries recomputed on the questions that every method answered."""
    by_method: dict[str, list[ExampleRecord]] = {}
    for data in records:
        by_method.setdefault(data["method"], []).append(ExampleRecord.from_dict(data))
    shared = set.intersection(*({r.example_id for r in rs} for rs in by_method.values()))
    return [
        summarize(s.method, [r for r in by_method[s.method] if r.example_id in shared], s.config)
        for s in summaries
    ]


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    methods = tuple(m for m in args.methods.split(",") if m)
    selected = [s for s in sections(args.data_dir, methods, args) if args.only in (None, s.name)]
    if args.assemble_only:
        selected = []
    else:
        model, tokenizer = load_base_model(args.model)
    for section in selected:
        folder = args.runs_dir / section.name
        checkpoint = folder / f"checkpoint-{'-'.join(methods)}.jsonl"
        result = run_eval(section.config, model=model, tokenizer=tokenizer, checkpoint=checkpoint)
        result = merge_previous(result, folder / "results.json")
        write_results(result, folder)
        checkpoint.unlink()
        print(f"{section.title}\n{format_table(result.summaries)}\n", flush=True)
    # The page is assembled from every section's saved results, so `--only` refreshes one
    # section and keeps the other.
    parts = []
    for section in sections(args.data_dir, methods, args):
        parts.extend(_section_text(section, args.runs_dir / section.name / "results.json"))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(_header(args) + "\n" + "\n".join(parts))
    print(f"wrote {args.out}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("docs/results.md"))
    parser.add_argument("--runs-dir", type=Path, default=Path("runs/results"))
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--budget", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--squad-limit", type=int, default=200)
    parser.add_argument("--distractor-limit", type=int, default=100)
    parser.add_argument("--only", choices=["squad", "squad-distractor-20"], default=None)
    parser.add_argument(
        "--assemble-only",
        action="store_true",
        help="Run nothing: rebuild the page from the results saved under --runs-dir.",
    )
    return parser


def _section_text(section: Section, saved: Path) -> list[str]:
    """A section's tables from its saved results (nothing when it has none yet)."""
    if not saved.is_file():
        return []
    data = json.loads(saved.read_text())
    summaries = _in_registry_order([MethodSummary(**s) for s in data["summaries"]])
    parts = [f"## {section.title}\n\n{format_table(summaries)}\n"]
    parts.extend(f"Skipped `{name}`: {why}\n" for name, why in data["skipped"].items())
    if len({s.examples for s in summaries}) > 1:
        shared = _on_shared_questions(summaries, data["records"])
        parts.append(
            f"The same, on the {shared[0].examples} questions every method answered:\n\n"
            f"{format_table(shared)}\n"
        )
    return parts


def _header(args: argparse.Namespace) -> str:
    return (
        "# Results\n\n"
        f"Regenerated {datetime.date.today()} by `python -m eval.results_doc --data-dir "
        f"{args.data_dir}` on {platform.machine()} "
        f"({'CUDA' if torch.cuda.is_available() else 'CPU'}). Model `{args.model}`, budget "
        f"{args.budget} tokens, seed {args.seed}, questions sampled uniformly. Quality in "
        "percent (SQuAD EM/F1, answer-contains); tokens counted with the target model's "
        "tokenizer; compression = full-context tokens / context tokens; latencies are "
        "medians; peak memory is the process RSS high-water mark on CPU; KV cache is "
        "analytic for the whole sequence. Timings depend on what else the machine was "
        "running: compare rows of one section, not absolute values. Each row gives its own "
        "`n`: a method run with a smaller limit answered a subset of the same seeded "
        "sample.\n"
    )


if __name__ == "__main__":
    main()
