"""What a policy option costs in time: the same questions planned and answered with it on and
off, in alternating order, by one orchestrator.

    python -m eval.benchmarks.bench_option_latency \
        --squad ../shared/data/squad-v1.1-dev-part1.json.gz --articles=-4: --distractors 20 \
        --option rest_view --budget 64 --limit 40 --out runs/bench-rest-latency

Each question of `squad-distractor` (a seeded uniform sample) is planned (`compress` over its
documents: the question's paragraph among `--distractors` others) and answered twice, once
with `policy_options={OPTION: true}` and once with `false`; even questions go on-then-off,
odd ones off-then-on, so neither side gets the warmer caches. The time is the whole of it,
from the question to the last answer token, in seconds (`time.perf_counter`). On a shared
machine absolute times drift; the per-question ratio (on / off) is the number to read, split
by whether the option changed the plan (its sources' documents, levels or tokens).

Writes `DIR/latency.json` (every question's times and whether its plans differ) and prints
the medians; the orchestrator's store is an empty temporary one (the documents come with
each question). A bad input is one `error:` line before the model loads. The default
model reads, with the shipped encoder and hyperword tokenizer where present (`"auto"`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from eval.tasks.sampling import sample_examples
from eval.tasks.squad_distractor import load_squad_distractor

__all__ = ["QuestionTiming", "paired_timings", "summarize"]


@dataclass(frozen=True)
class QuestionTiming:
    """One question asked with the option on and off: seconds each, and whether the plans
    (sources' document, level and tokens) differ."""

    question: str
    on_seconds: float
    off_seconds: float
    plans_differ: bool


def paired_timings(
    orchestrator: Any,
    questions: Sequence[tuple[str, Sequence[Any]]],
    *,
    option: str,
    budget: int,
    progress: bool = True,
) -> list[QuestionTiming]:
    """Plan and answer each `(question, documents)` with `policy_options={option: True}` and
    `{option: False}`, alternating which goes first; `documents` are objects with `text` and
    `doc_id` (scored in-process, `Orchestrator.compress`)."""
    from tqdm.auto import tqdm

    timings = []
    for i, (question, documents) in enumerate(tqdm(questions, disable=not progress)):
        seconds, plans = {}, {}
        for value in (True, False) if i % 2 == 0 else (False, True):
            options = {"budget": budget, "policy_options": {option: value}}
            start = time.perf_counter()
            context = orchestrator.compress(question, documents=documents, **options)
            orchestrator.ask(question, context=context)
            seconds[value] = time.perf_counter() - start
            plans[value] = [(s.doc_id, s.level, s.tokens) for s in context.sources]
        differ = plans[True] != plans[False]
        timings.append(QuestionTiming(question, seconds[True], seconds[False], differ))
    return timings


def summarize(timings: Sequence[QuestionTiming]) -> dict[str, dict[str, float]]:
    """Per group (`all`, `plans differ`, `plans same`, empty groups left out): questions, the
    median seconds on and off, and the median per-question ratio on / off."""
    groups = {
        "all": list(timings),
        "plans differ": [t for t in timings if t.plans_differ],
        "plans same": [t for t in timings if not t.plans_differ],
    }
    return {
        name: {
            "questions": len(group),
            "median_on_seconds": statistics.median(t.on_seconds for t in group),
            "median_off_seconds": statistics.median(t.off_seconds for t in group),
            "median_ratio": statistics.median(t.on_seconds / t.off_seconds for t in group),
        }
        for name, group in groups.items()
        if group
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--squad", required=True, help="SQuAD v1.1 JSON, plain or .gz")
    parser.add_argument("--articles", default="-4:", help="articles (default -4:, held out)")
    parser.add_argument("--distractors", type=int, default=20, help="paragraphs per question")
    parser.add_argument("--option", default="rest_view", help="a true/false policy option")
    parser.add_argument("--budget", type=int, default=64, help="context positions")
    parser.add_argument("--limit", type=int, default=40, help="questions (a seeded sample)")
    parser.add_argument("--seed", type=int, default=0, help="sampling seed")
    parser.add_argument("--out", required=True, type=Path, help="folder for latency.json")
    args = parser.parse_args(argv)

    from hyperword.exceptions import HyperwordError

    switches = _boolean_options()
    if args.option not in switches:
        parser.error(f"--option must be a true/false option of the default policy: {switches}")
    try:
        result = run(args)
    except HyperwordError as error:
        parser.exit(1, f"error: {error}\n")
    for name, row in result["summary"].items():
        print(
            f"{name}: {row['questions']} questions, median {row['median_on_seconds']:.3f} s "
            f"with {args.option}, {row['median_off_seconds']:.3f} s without, "
            f"median ratio {row['median_ratio']:.2f}"
        )
    print(f"wrote {args.out / 'latency.json'}")


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Sample the questions, load the default model's parts, time, and write
    `args.out / "latency.json"`; a bad input raises a `HyperwordError` before any model loads
    (an over-long budget when the model is known)."""
    import tempfile

    from hyperword.models import DEFAULT_MODEL, load_base_model, load_embedder
    from mnemonic import MnemonicStore
    from orchestrator import AskOptions, Orchestrator
    from orchestrator.loading import AUTO, resolve_encoder, resolve_hyperword_tokenizer

    AskOptions(budget=args.budget)  # its bounds, before loading
    examples = load_squad_distractor(
        args.squad, seed=args.seed, distractors=args.distractors, articles=args.articles
    )
    examples = sample_examples(examples, limit=args.limit, seed=args.seed)
    questions = [
        (ex.question, [SimpleNamespace(doc_id=t, text=text) for t, text in ex.documents])
        for ex in examples
    ]
    model, tokenizer = load_base_model()
    with tempfile.TemporaryDirectory(prefix="bench-option-latency-") as folder:
        store = MnemonicStore(Path(folder), embedder=load_embedder(), tokenizer=tokenizer)
        orchestrator = Orchestrator(  # an empty store: the documents come with each question
            store,
            model=model,
            base_tokenizer=tokenizer,
            encoder=resolve_encoder(AUTO, model=model, tokenizer=tokenizer),
            tokenizer=resolve_hyperword_tokenizer(
                AUTO, base_tokenizer=tokenizer, base_name=DEFAULT_MODEL
            ),
            budget=args.budget,
        )
        paired_timings(orchestrator, questions[:1], option=args.option, budget=args.budget)
        timings = paired_timings(orchestrator, questions, option=args.option, budget=args.budget)
        store.close()
    result = {"config": vars(args) | {"out": str(args.out)}, "summary": summarize(timings)}
    result["questions"] = [asdict(t) for t in timings]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latency.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


def _boolean_options() -> list[str]:
    """The default policy's true/false options."""
    import typing

    from orchestrator.policy import DefaultPolicy

    hints = typing.get_type_hints(DefaultPolicy.Config)
    return [name for name, hint in hints.items() if hint is bool]


if __name__ == "__main__":
    main()
