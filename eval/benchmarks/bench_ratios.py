"""One encoder at every ratio: F1 against context positions, beside truncation and LLMLingua.

    python -m eval.benchmarks.bench_ratios --squad ../shared/data/squad-v1.1-dev-part1.json.gz \\
        [--encoder DIR] [--limit 150] [--out runs/bench-ratios] [--no-full] [--no-llmlingua]

On the held-out last 4 SQuAD part-1 articles (questions drawn uniformly, seed 0): closed-book,
`full`, `full-adapted` (the passage verbatim through the encoder's tuned decoder) and the
encoder's soft levels (`ratio-4`, `scene`, `ratio-16`, `ratio-32`, `concept`); then, for each
soft level, `truncate` at that level's mean context positions (markers included), and
LLMLingua at the positions of `scene` and `concept`. Writes `OUT/ratios.json`, `OUT/ratios.md`
(one table, each soft level beside truncation at the same positions) and
`OUT/quality_vs_tokens.png`. Every run is checkpointed in `OUT/checkpoints/`: the same
command run again resumes.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from eval.records import MethodSummary
from eval.runner import EvalConfig, run_eval
from hyperword.levels import soft_levels
from hyperword.models import DEFAULT_MODEL, load_base_model

__all__ = ["main", "ratio_table"]

LLMLINGUA_AT = ("scene", "concept")


def _run(args, methods, budget, model, tokenizer, name) -> list[MethodSummary]:
    encoder_methods = {m for m in methods if m in {lv.name for lv in soft_levels()}}
    encoder_methods |= {"full-adapted"} & set(methods)
    options = {m: {"encoder": args.encoder} for m in encoder_methods} if args.encoder else {}
    config = EvalConfig(
        task="squad",
        methods=tuple(methods),
        data=args.squad,
        model=DEFAULT_MODEL,
        limit=args.limit,
        budget=budget,
        seed=args.seed,
        task_options={"articles": "-4:"},
        method_options=options,
    )
    checkpoint = Path(args.out) / "checkpoints" / f"{name}.jsonl"
    checkpoint.parent.mkdir(parents=True, exist_ok=True)
    result = run_eval(config, model=model, tokenizer=tokenizer, checkpoint=checkpoint)
    return result.summaries


def ratio_table(summaries: dict[str, MethodSummary]) -> str:
    """Markdown: every row by positions, then each soft level against truncation there."""
    lines = ["| method | positions | F1 | EM |", "|---|---:|---:|---:|"]
    for name, s in sorted(summaries.items(), key=lambda kv: -kv[1].context_tokens):
        lines.append(f"| {name} | {s.context_tokens:.1f} | {s.f1:.1f} | {s.em:.1f} |")
    lines += ["", "| level | positions | F1 | truncate F1 | difference |"]
    lines.append("|---|---:|---:|---:|---:|")
    for level in soft_levels():
        soft, cut = summaries.get(level.name), summaries.get(f"truncate@{level.name}")
        if soft and cut:
            lines.append(
                f"| {level.name} | {soft.context_tokens:.1f} | {soft.f1:.1f} | {cut.f1:.1f} "
                f"| {soft.f1 - cut.f1:+.1f} |"
            )
    return "\n".join(lines) + "\n"


def _plot(summaries: dict[str, MethodSummary], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for prefix, label, style in (("", "soft tokens (one encoder)", "o-"),
                                 ("truncate@", "truncate", "s--"),
                                 ("llmlingua@", "LLMLingua", "^:")):  # fmt: skip
        points = sorted(
            (s.context_tokens, s.f1)
            for lv in soft_levels()
            if (s := summaries.get(f"{prefix}{lv.name}"))
        )
        if points:
            ax.plot(*zip(*points, strict=True), style, label=label)
    for name, color in (("full-adapted", "C3"), ("full", "C4"), ("closed-book", "0.5")):
        if name in summaries:
            ax.axhline(summaries[name].f1, color=color, lw=0.8, ls="-.", label=name)
    for lv in soft_levels():
        if (s := summaries.get(lv.name)) is not None:
            point = (s.context_tokens, s.f1)
            ax.annotate(lv.name, point, textcoords="offset points", xytext=(4, 4))
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
    ax.set(xlabel="context positions per question", ylabel="F1 (held-out SQuAD)")
    ax.legend(fontsize=8)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", required=True)
    parser.add_argument("--encoder", default=None, help="encoder folder (default: shipped)")
    parser.add_argument("--limit", type=int, default=150)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="runs/bench-ratios")
    parser.add_argument("--no-llmlingua", action="store_true")
    parser.add_argument(
        "--no-full",
        action="store_true",
        help="leave out full and full-adapted (the passage verbatim: the costliest rows)",
    )
    args = parser.parse_args(argv)
    model, tokenizer = load_base_model(DEFAULT_MODEL)
    levels = [lv.name for lv in soft_levels()]
    methods = ["closed-book", *([] if args.no_full else ["full", "full-adapted"]), *levels]
    summaries = {s.method: s for s in _run(args, methods, 256, model, tokenizer, "levels")}
    for level in [name for name in levels if name in summaries]:  # the levels it serves
        budget = max(1, round(summaries[level].context_tokens))
        baselines = ["truncate"]
        if level in LLMLINGUA_AT and not args.no_llmlingua:
            baselines.append("llmlingua")
        for s in _run(args, baselines, budget, model, tokenizer, f"baselines-{level}"):
            summaries[f"{s.method}@{level}"] = s
    out = Path(args.out)
    (out / "ratios.json").write_text(
        json.dumps({k: vars(v) for k, v in summaries.items()}, indent=2, default=str) + "\n"
    )
    table = ratio_table(summaries)
    (out / "ratios.md").write_text(table)
    _plot(summaries, out / "quality_vs_tokens.png")
    print(table)


if __name__ == "__main__":
    main()
