"""Plot a training run's `curve.json`: loss and held-out F1 per level against steps."""

from __future__ import annotations

import json
from pathlib import Path

from adapters.exceptions import TrainingError

__all__ = ["plot_curve"]


def plot_curve(curve_json: str | Path, out_png: str | Path) -> Path:
    """Write a PNG from a run's `curve.json`: training loss, and beside it held-out F1 per
    level when the run evaluated (`eval_every`)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise TrainingError("plotting needs matplotlib: pip install matplotlib") from None
    curve = json.loads(Path(curve_json).read_text())
    if not curve:
        raise TrainingError(f"{curve_json} has no points yet")
    f1_keys = sorted({k for p in curve for k in p if k.startswith("f1_")})
    if not f1_keys:  # a run without held-out evaluation (eval_every past its steps)
        fig, loss_ax = plt.subplots(figsize=(5.5, 3.8))
    else:
        fig, (loss_ax, f1_ax) = plt.subplots(1, 2, figsize=(10, 3.8))
    points = [p for p in curve if "loss" in p]
    loss_ax.plot([p["step"] for p in points], [p["loss"] for p in points], color="0.3")
    parts = [p for p in points if "loss_cross_entropy" in p]  # a run with `distill`
    if parts:
        steps = [p["step"] for p in parts]
        loss_ax.plot(steps, [p["loss_cross_entropy"] for p in parts], "--", label="cross-entropy")
        kl = [p for p in parts if "loss_distillation" in p]
        loss_ax.plot([p["step"] for p in kl], [p["loss_distillation"] for p in kl], ":", label="KL")
        loss_ax.legend()
    loss_ax.set(xlabel="step", ylabel="training loss", title="loss (mean over each log window)")
    if not f1_keys:
        return _save(fig, out_png, plt)
    for key in f1_keys:
        scored = [p for p in curve if key in p]
        f1_ax.plot(
            [p["step"] for p in scored],
            [p[key] for p in scored],
            marker="o",
            label=key.removeprefix("f1_"),
        )
    f1_ax.set(xlabel="step", ylabel="F1 (held-out)", title="held-out F1 by context level")
    f1_ax.legend()
    return _save(fig, out_png, plt)


def _save(fig, out_png: str | Path, plt) -> Path:
    fig.tight_layout()
    fig.savefig(out_png, dpi=110)
    plt.close(fig)
    return Path(out_png)
