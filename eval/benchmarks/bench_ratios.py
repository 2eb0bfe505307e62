"""One encoder at every ratio: F1 against context positions, beside truncation and LLMLingua.

    python -m eval.benchmarks.bench_ratios --squad ../shared/data/squad-v1.1-dev-part1.json.gz \\
        [--encoder DIR] [--limit 150] [--out runs/bench-ratios] [--no-full] [--no-llmlingua] \\
        [--against EARLIER_OUT]

On the held-out last 4 SQuAD part-1 articles (questions drawn uniformly, seed 0): closed-book,
`full`, `full-adapted` (the passage verbatim through the encoder's tuned decoder) and the
encoder's soft levels (`ratio-4`, `scene`, `ratio-16`, `ratio-32`, `concept`); then, for each
soft level, `truncate` at that level's mean context positions (markers included), and
LLMLingua at the positions of `scene` and `concept`. Writes `OUT/ratios.json`, `OUT/ratios.md`
(one table, each soft level beside truncation at the same positions, the difference paired
per question with its standard error), `OUT/per_question.json` (F1 per row and question) and
`OUT/quality_vs_tokens.png`. `--against` an earlier OUT (another encoder, say) adds a table of
every row both hold, paired the same way. Every run is checkpointed in `OUT/checkpoints/`: the
same command run again resumes.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from eval.metrics import paired_difference
from eval.records import MethodSummary
from eval.runner import EvalConfig, run_eval
from hyperword.levels import soft_levels
from hyperword.models import DEFAULT_MODEL, load_base_model

__all__ = ["against_table", "main", "ratio_table"]

LLMLINGUA_AT = ("scene", "concept")
PER_QUESTION = "per_question.json"

Scores = dict[str, dict[str, float]]  # row name -> example id -> F1 in [0, 1]


def _run(args, methods, budget, model, tokenizer, name) -> tuple[list[MethodSummary], Scores]:
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
    scores: Scores = {}
    for record in result.records:
        scores.setdefault(record.method, {})[record.example_id] = record.f1
    return result.summaries, scores


def _difference(scores: Scores, a: str, b: str, fallback: float) -> str:
    if a in scores and b in scores:
        return str(paired_difference(scores[a], scores[b]))
    return f"{fallback:+.1f}"


def ratio_table(summaries: dict[str, MethodSummary], scores: Scores | None = None) -> str:
    """Markdown: every row by positions, then each soft level against truncation there (the
    difference paired per question, with its standard error, where `scores` holds both)."""
    scores = scores or {}
    lines = ["| method | positions | F1 | EM |", "|---|---:|---:|---:|"]
    for name, s in sorted(summaries.items(), key=lambda kv: -kv[1].context_tokens):
        lines.append(f"| {name} | {s.context_tokens:.1f} | {s.f1:.1f} | {s.em:.1f} |")
    lines += ["", "| level | positions | F1 | truncate F1 | difference |"]
    lines.append("|---|---:|---:|---:|---:|")
    for level in soft_levels():
        truncate = f"truncate@{level.name}"
        soft, cut = summaries.get(level.name), summaries.get(truncate)
        if soft and cut:
            difference = _difference(scores, level.name, truncate, soft.f1 - cut.f1)
            lines.append(
                f"| {level.name} | {soft.context_tokens:.1f} | {soft.f1:.1f} | {cut.f1:.1f} "
                f"| {difference} |"
            )
    return "\n".join(lines) + "\n"


def against_table(
    summaries: dict[str, MethodSummary], scores: Scores, earlier: dict, earlier_scores: Scores
) -> str:
    """Markdown: every row this run and an earlier one both hold, paired per question."""
    lines = ["| method | positions | F1 | earlier F1 | difference |", "|---|---:|---:|---:|---:|"]
    for name, s in sorted(summaries.items(), key=lambda kv: -kv[1].context_tokens):
        if name in earlier and name in scores and name in earlier_scores:
            lines.append(
                f"| {name} | {s.context_tokens:.1f} | {s.f1:.1f} | {earlier[name]['f1']:.1f} "
                f"| {paired_difference(scores[name], earlier_scores[name])} |"
            )
    return "\n".join(lines) + "\n"


def _load_earlier(folder: str) -> tuple[dict, Scores]:
    """An earlier OUT's summaries and per-question F1; `ValueError` naming what is missing,
    unreadable or of another shape (checked now, not after the new run's 20 minutes)."""
    out = Path(folder)
    for name in ("ratios.json", PER_QUESTION):
        if not (out / name).is_file():
            raise ValueError(f"{out / name} is missing: --against takes a finished run's --out")
    try:
        summaries = json.loads((out / "ratios.json").read_text())
        scores = json.loads((out / PER_QUESTION).read_text())
    except ValueError as error:
        raise ValueError(f"{out} holds unreadable results ({error})") from error
    number = (int, float)
    rows_ok = isinstance(summaries, dict) and all(
        isinstance(row, dict) and isinstance(row.get("f1"), number) for row in summaries.values()
    )
    scores_ok = isinstance(scores, dict) and all(
        isinstance(row, dict) and all(isinstance(f1, number) for f1 in row.values())
        for row in scores.values()
    )
    if not (rows_ok and scores_ok):
        raise ValueError(f"{out} holds results of another shape than bench_ratios writes")
    return summaries, scores


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
    parser.add_argument(
        "--against",
        default=None,
        metavar="EARLIER_OUT",
        help="an earlier run's --out folder: every row both hold, paired per question",
    )
    args = parser.parse_args(argv)
    earlier = None
    if args.against:
        try:
            earlier = _load_earlier(args.against)
        except ValueError as error:
            parser.error(str(error))  # before the base model loads
    model, tokenizer = load_base_model(DEFAULT_MODEL)
    levels = [lv.name for lv in soft_levels()]
    methods = ["closed-book", *([] if args.no_full else ["full", "full-adapted"]), *levels]
    rows, scores = _run(args, methods, 256, model, tokenizer, "levels")
    summaries = {s.method: s for s in rows}
    for level in [name for name in levels if name in summaries]:  # the levels it serves
        budget = max(1, round(summaries[level].context_tokens))
        baselines = ["truncate"]
        if level in LLMLINGUA_AT and not args.no_llmlingua:
            baselines.append("llmlingua")
        rows, per_question = _run(args, baselines, budget, model, tokenizer, f"baselines-{level}")
        for s in rows:
            summaries[f"{s.method}@{level}"] = s
            scores[f"{s.method}@{level}"] = per_question[s.method]
    out = Path(args.out)
    (out / "ratios.json").write_text(
        json.dumps({k: vars(v) for k, v in summaries.items()}, indent=2, default=str) + "\n"
    )
    (out / PER_QUESTION).write_text(json.dumps(scores, sort_keys=True) + "\n")
    table = ratio_table(summaries, scores)
    if earlier is not None:
        table += f"\nAgainst {args.against}, paired per question:\n\n"
        table += against_table(summaries, scores, *earlier)
    (out / "ratios.md").write_text(table)
    _plot(summaries, out / "quality_vs_tokens.png")
    print(table)


if __name__ == "__main__":
    main()
