"""Benchmark of hyperwords with the base model: tokens, speed, perplexity, LoRA, SQuAD F1.

Run (one command, the whole table; about 50 minutes on one CPU core):

    OMP_NUM_THREADS=1 RAYON_NUM_THREADS=1 python -m eval.benchmarks.bench_hyperword_model \
        --data-dir ../shared/data --train-adapter runs/hyperword-lora \
        --out runs/bench-hyperword.json

Sections (`--sections`, default all):

- `tokens`: tokens per 1,000 words, base vs hyperwords trained per corpus at several sizes
  (`eval.benchmarks.bench_tokenizer`: first 80% of articles train, the rest measured) and the
  shipped tokenizer on its own held-out split (`eval.hyperword_corpus`); encode speed vs the base.
- `ppl`: perplexity of a 64-token continuation after a 256-token context fed plain, as
  hyperwords, or not at all (`adapters.hyperword_lora`), on held-out windows of WikiText and
  SQuAD contexts (seeded sample); with the adapter too when there is one.
- `adapter`: trains the LoRA adapter (`adapters.hyperword_lora`, 300 steps of one example,
  r=16 on q/k/v/o, mean composer) on the *training* split: half the steps are continuation
  windows, half SQuAD questions of the training articles with the context as hyperwords
  (`--qa-fraction`; continuation alone makes the model answer in whole sentences). Skipped
  when `--train-adapter DIR` already holds one; `--adapter DIR` loads one instead.
- `f1`: SQuAD F1 on questions of the 4 held-out articles (uniform, seeded): `full`,
  `hyperword` (mean composer), and with the adapter `hyperword` and `full-hyperword-lora`.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import random
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["F1Row", "PplRow", "main"]

SECTIONS = ("tokens", "ppl", "adapter", "f1")


@dataclass(frozen=True)
class PplRow:
    """Perplexity of the continuation in one condition."""

    corpus: str
    condition: str
    windows: int
    context_positions: float  # mean input positions spent on the context
    nll_per_token: float

    @property
    def perplexity(self) -> float:
        return math.exp(self.nll_per_token)


@dataclass(frozen=True)
class F1Row:
    """One method on the held-out SQuAD questions."""

    method: str
    questions: int
    f1: float
    em: float
    context_tokens: float
    compression: float
    prefill_p50: float
    f1_per_question: list[float] = field(default_factory=list, repr=False)
    predictions: list[str] = field(default_factory=list, repr=False)


@dataclass
class BenchReport:
    """Everything the benchmark measured (the JSON it writes)."""

    settings: dict[str, Any]
    tokens: list[dict[str, Any]] = field(default_factory=list)
    ppl: list[PplRow] = field(default_factory=list)
    adapter: dict[str, Any] = field(default_factory=dict)
    f1: list[F1Row] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


# ------------------------------------------------------------------------------ tokens
def run_tokens(args, split, base, hyper, report: BenchReport) -> None:
    from eval.benchmarks.bench_tokenizer import (
        BenchRow,
        _print_header,
        _print_row,
        _speeds,
        load_squad,
        load_wikitext,
        run_corpus,
    )
    from hyperword.tokenizer.base import base_encode_batch

    data = Path(args.data_dir)
    sizes = [int(s) for s in args.token_sizes.split(",") if s]
    _print_header()
    rows: list[BenchRow] = []
    if sizes:
        rows += run_corpus(
            "wikitext", load_wikitext(data / "wikitext-2-raw-test.txt.gz"), base, sizes, ["ngram"]
        )
        rows += run_corpus(
            "squad", load_squad(data / "squad-v1.1-dev-part1.json.gz"), base, sizes, ["ngram"]
        )
    print("# the shipped tokenizer (trained on both corpora's training articles)", flush=True)
    for name, docs in (("wikitext", split.wikitext_test), ("squad-4", split.squad_test)):
        words = sum(len(d.split()) for d in docs)
        base_tokens = sum(len(ids) for ids in base_encode_batch(base, docs))
        tokens = sum(len(ids) for ids in hyper.encode_batch(docs))
        base_speed, speed = _speeds(
            lambda doc: base(doc, add_special_tokens=False)["input_ids"], hyper.encode, docs
        )
        row = BenchRow(
            name,
            "shipped",
            hyper.num_hyperwords,
            words,
            base_tokens,
            tokens,
            0.0,
            base_speed,
            speed,
        )
        rows.append(row)
        _print_row(row)
    report.tokens = [
        {**asdict(r), "reduction": r.reduction, "speed_ratio": r.speed_ratio} for r in rows
    ]


# ------------------------------------------------------------------------------ perplexity
def held_out_windows(split, base, args) -> dict[str, list]:
    from adapters.hyperword_lora import make_windows

    out = {}
    for name, docs in (("wikitext", split.wikitext_test), ("squad", split.squad_test)):
        ids = [base(d, add_special_tokens=False).input_ids for d in docs]
        windows = make_windows(
            ids, context_tokens=args.context_tokens, continuation_tokens=args.continuation_tokens
        )
        random.Random(args.seed).shuffle(windows)
        out[name] = windows[: args.windows]
    return out


def run_ppl(model, hyper, windows, conditions, *, composer=None) -> list[PplRow]:
    """Perplexity rows for `conditions` (`(label, mode)` pairs) over each corpus's windows."""
    import torch

    from adapters.hyperword_lora import continuation_nll, window_embeds

    rows = []
    for corpus, corpus_windows in windows.items():
        start = time.perf_counter()
        sums = {label: [0.0, 0, 0] for label, _ in conditions}
        with torch.inference_mode():
            for window in corpus_windows:
                for label, mode in conditions:
                    embeds, positions = window_embeds(
                        model, hyper, window, mode=mode, composer=composer
                    )
                    nll = float(continuation_nll(model, embeds, window.continuation))
                    acc = sums[label]
                    acc[0] += nll
                    acc[1] += len(window.continuation)
                    acc[2] += positions
        for label, (nll, tokens, positions) in sums.items():
            row = PplRow(
                corpus, label, len(corpus_windows), positions / len(corpus_windows), nll / tokens
            )
            rows.append(row)
            print(
                f"{corpus:<9} {label:<22} windows {row.windows:>4} context positions "
                f"{row.context_positions:>6.1f}  ppl {row.perplexity:>8.2f}",
                flush=True,
            )
        print(f"  ({time.perf_counter() - start:.0f} s)", flush=True)
    return rows


# ------------------------------------------------------------------------------ adapter
def get_adapter(args, model, hyper, split, base, report: BenchReport) -> Path | None:
    from adapters.hyperword_lora import (
        HyperwordLoraConfig,
        make_windows,
        save_hyperword_adapter,
        train_hyperword_lora,
    )

    if args.adapter:
        report.adapter = json.loads((Path(args.adapter) / "config.json").read_text())
        return Path(args.adapter)
    if not args.train_adapter:
        return None
    folder = Path(args.train_adapter)
    if (folder / "config.json").is_file():
        print(f"# reusing the adapter in {folder}", flush=True)
        report.adapter = json.loads((folder / "config.json").read_text())
        return folder
    config = HyperwordLoraConfig(
        rank=args.rank,
        steps=args.steps,
        max_minutes=args.max_minutes,
        composer=args.composer,
        context_tokens=args.context_tokens,
        continuation_tokens=args.continuation_tokens,
        seed=args.seed,
    )
    ids = [base(d, add_special_tokens=False).input_ids for d in split.train]
    windows = make_windows(
        ids, context_tokens=config.context_tokens, continuation_tokens=config.continuation_tokens
    )
    rng = random.Random(args.seed)
    rng.shuffle(windows)
    n_qa = round(args.qa_fraction * config.steps)
    if n_qa:
        windows = windows[: config.steps - n_qa] + training_questions(args, base, n_qa, rng)
    print(
        f"# training on {len(windows)} windows of the training split ({n_qa} questions): {config}",
        flush=True,
    )
    peft_model, composer, log = train_hyperword_lora(
        copy.deepcopy(model), hyper, windows, config, progress=True
    )
    data = {
        "windows": "eval.hyperword_corpus training split (WikiText 80%, SQuAD all but last 4)",
        "qa_fraction": args.qa_fraction,
        "seed": args.seed,
    }
    save_hyperword_adapter(
        folder, peft_model, composer, config, tokenizer=hyper, log=log, data=data
    )
    first = statistics.fmean(log.losses[:20])
    print(
        f"# trained {log.steps} steps in {log.seconds:.0f} s; loss {first:.3f} (first 20) -> "
        f"{log.mean_loss():.3f} (last 20); saved to {folder}",
        flush=True,
    )
    report.adapter = json.loads((folder / "config.json").read_text())
    report.adapter["seconds"] = log.seconds
    report.adapter["losses"] = log.losses
    return folder


def training_questions(args, base, n: int, rng: random.Random) -> list:
    """`n` SQuAD questions of the training articles as QA windows (context as hyperwords)."""
    from adapters.hyperword_lora import qa_windows
    from eval.tasks.squad import load_squad
    from hyperword.prompts import template_for_model

    examples = load_squad(
        Path(args.data_dir) / "squad-v1.1-dev-part1.json.gz",
        articles=f":-{args.held_out_articles}",
    )
    chosen = rng.sample(examples, n)
    triples = [(ex.context, ex.question, ex.answers[0]) for ex in chosen]
    return qa_windows(triples, base, template_for_model("gemma-3-270m"))


# ------------------------------------------------------------------------------ F1
def run_f1(args, model, base, tokenizer_name: str, adapter: Path | None) -> list[F1Row]:
    from eval.runner import EvalConfig, run_eval

    data = str(Path(args.data_dir) / "squad-v1.1-dev-part1.json.gz")
    runs = [(("full", "hyperword"), {"hyperword": {"tokenizer": tokenizer_name}}, "")]
    if adapter is not None:
        options = {"tokenizer": tokenizer_name, "adapter": str(adapter)}
        runs.append(
            (
                ("hyperword", "full-hyperword-lora"),
                {"hyperword": options, "full-hyperword-lora": options},
                "+lora",
            )
        )
    rows = []
    for methods, options, suffix in runs:
        config = EvalConfig(
            task="squad",
            data=data,
            methods=methods,
            model="gemma-3-270m",
            limit=args.questions,
            seed=args.seed,
            task_options={"articles": f"-{args.held_out_articles}:"},
            method_options=options,
        )
        result = run_eval(config, model=model, tokenizer=base, progress=True)
        for summary in result.summaries:
            records = [r for r in result.records if r.method == summary.method]
            name = summary.method + (suffix if summary.method == "hyperword" else "")
            row = F1Row(
                method=name,
                questions=summary.examples,
                f1=summary.f1,
                em=summary.em,
                context_tokens=summary.context_tokens,
                compression=summary.compression,
                prefill_p50=summary.prefill_seconds_p50,
                f1_per_question=[r.f1 for r in records],
                predictions=[r.prediction for r in records],
            )
            rows.append(row)
            print(
                f"{row.method:<22} n={row.questions} F1 {row.f1:5.1f} EM {row.em:5.1f} context "
                f"{row.context_tokens:6.1f} tokens ({row.compression:.2f}x) prefill p50 "
                f"{row.prefill_p50:.2f} s",
                flush=True,
            )
    _print_paired(rows)
    return rows


def _print_paired(rows: list[F1Row]) -> None:
    from eval.metrics import paired_difference

    by_name = {r.method: r for r in rows}
    pairs = [
        ("hyperword", "full"),
        ("hyperword+lora", "full"),
        ("hyperword+lora", "full-hyperword-lora"),
    ]
    for a, b in pairs:
        if a in by_name and b in by_name:
            first, second = by_name[a].f1_per_question, by_name[b].f1_per_question
            if len(first) != len(second):  # the same questions, in the same order
                raise ValueError(f"{a} and {b} were scored on different questions")
            diff = paired_difference(dict(enumerate(first)), dict(enumerate(second)))
            print(f"F1 {a} - {b}: {diff.mean:+.1f} points (paired s.e. {diff.se:.1f})", flush=True)


# ------------------------------------------------------------------------------ main
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", required=True, help="Folder with WikiText-2 and SQuAD.")
    parser.add_argument("--tokenizer", default="gemma-3-270m", help="Hyperword tokenizer.")
    parser.add_argument("--sections", default=",".join(SECTIONS), help="Comma list.")
    parser.add_argument("--token-sizes", default="8000,32000,64000", help="Per-corpus sizes.")
    parser.add_argument("--windows", type=int, default=64, help="Held-out windows per corpus.")
    parser.add_argument("--context-tokens", type=int, default=256)
    parser.add_argument("--continuation-tokens", type=int, default=64)
    parser.add_argument("--adapter", help="Use this trained adapter folder.")
    parser.add_argument("--train-adapter", help="Train an adapter into this folder (if empty).")
    parser.add_argument("--composer", default="mean", choices=("mean", "learned"))
    parser.add_argument("--rank", type=int, default=16)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--max-minutes", type=float, default=30.0, help="Training cap.")
    parser.add_argument(
        "--qa-fraction",
        type=float,
        default=0.5,
        help="Share of training steps on SQuAD questions of the training articles.",
    )
    parser.add_argument("--questions", type=int, default=150, help="SQuAD questions (seeded).")
    parser.add_argument("--held-out-articles", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="Write all numbers here as JSON.")
    args = parser.parse_args(argv)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    sections = [s for s in args.sections.split(",") if s]
    unknown = sorted(set(sections) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown sections {unknown}; choose from {SECTIONS}")

    import torch

    from eval.hyperword_corpus import load_split
    from hyperword.models import load_base_model
    from hyperword.tokenizer import HyperwordTokenizer

    torch.manual_seed(args.seed)
    report = BenchReport(settings=vars(args))
    split = load_split(args.data_dir)
    model, base = load_base_model("gemma-3-270m", device="cpu")
    hyper = HyperwordTokenizer.from_pretrained(args.tokenizer, base_tokenizer=base)
    report.settings["tokenizer_fingerprint"] = hyper.fingerprint[:16]
    report.settings["num_hyperwords"] = hyper.num_hyperwords
    total = time.perf_counter()

    def timed(name, fn, *a, **k):
        start = time.perf_counter()
        out = fn(*a, **k)
        report.seconds[name] = report.seconds.get(name, 0.0) + time.perf_counter() - start
        return out

    if "tokens" in sections:
        timed("tokens", run_tokens, args, split, base, hyper, report)
    windows = held_out_windows(split, base, args) if "ppl" in sections else {}
    if windows:
        conditions = [("no context", "none"), ("plain", "plain"), ("hyperword (mean)", "hyperword")]
        report.ppl += timed("ppl", run_ppl, model, hyper, windows, conditions)
    adapter = None
    if "adapter" in sections or args.adapter:
        adapter = timed("adapter", get_adapter, args, model, hyper, split, base, report)
    if windows and adapter is not None:
        from adapters.hyperword_lora import load_hyperword_adapter

        adapted, composer = load_hyperword_adapter(copy.deepcopy(model), adapter, tokenizer=hyper)
        label = "hyperword+lora" + (" (learned)" if composer is not None else " (mean)")
        conditions = [("plain+lora", "plain"), (label, "hyperword")]
        report.ppl += timed("ppl", run_ppl, adapted, hyper, windows, conditions, composer=composer)
        del adapted
    if "f1" in sections:
        report.f1 = timed("f1", run_f1, args, model, base, args.tokenizer, adapter)
    report.seconds["total"] = time.perf_counter() - total
    print("# wall seconds: " + ", ".join(f"{k} {v:.0f}" for k, v in report.seconds.items()))
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(asdict(report), indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
