"""Write an evaluation's results: `results.json`, `results.md` and `quality_vs_tokens.png`."""

from __future__ import annotations

import json
from pathlib import Path

from eval.records import MethodSummary
from eval.runner import EvalResult

__all__ = ["format_table", "plot_quality_vs_tokens", "write_results"]


def format_table(summaries: list[MethodSummary]) -> str:
    """A Markdown table of the summaries, one row per method."""
    rows = [
        "| method | n | EM | F1 | contains | context tokens | full tokens | compression "
        "| prefill p50 (s) | total p50 (s) | gen tok/s | peak mem (MiB) | KV cache (KiB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in summaries:
        compression = "-" if s.compression is None else f"{s.compression:.1f}x"
        rows.append(
            f"| {s.method} | {s.examples} | {s.em:.1f} | {s.f1:.1f} | {s.contains:.1f} "
            f"| {s.context_tokens:.0f} | {s.full_context_tokens:.0f} | {compression} "
            f"| {s.prefill_seconds_p50:.2f} | {s.total_seconds_p50:.2f} "
            f"| {s.tokens_per_second:.1f} | {s.peak_memory_bytes / 2**20:.0f} "
            f"| {s.kv_cache_bytes / 2**10:.0f} |"
        )
    return "\n".join(rows)


def plot_quality_vs_tokens(summaries: list[MethodSummary], path: Path, *, title: str) -> None:
    """F1 against mean context tokens, one labelled point per method."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for s in summaries:
        tokens = max(s.context_tokens, 1)
        ax.scatter(tokens, s.f1, s=40)
        ax.annotate(s.method, (tokens, s.f1), textcoords="offset points", xytext=(5, 4))
    ax.set_xscale("symlog", linthresh=16)
    ax.set_xlabel("context tokens per question (target tokenizer)")
    ax.set_ylabel("F1")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_results(result: EvalResult, out_dir: str | Path) -> dict[str, Path]:
    """Write the three result files into `out_dir`; returns their paths by kind."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": out / "results.json",
        "markdown": out / "results.md",
        "plot": out / "quality_vs_tokens.png",
    }
    paths["json"].write_text(json.dumps(result.to_dict(), indent=2, sort_keys=True))
    config = result.config
    lines = [
        f"# {config.task}: {', '.join(config.methods)}",
        "",
        f"Model `{result.model}`, template `{result.template}`, budget {config.budget} tokens, "
        f"seed {config.seed}, {result.summaries[0].examples if result.summaries else 0} "
        f"examples sampled uniformly from `{config.data}`.",
        "",
        format_table(result.summaries),
    ]
    for name, reason in result.skipped.items():
        lines += ["", f"Skipped `{name}`: {reason}"]
    paths["markdown"].write_text("\n".join(lines) + "\n")
    plot_quality_vs_tokens(result.summaries, paths["plot"], title=f"{config.task}, {result.model}")
    return paths
