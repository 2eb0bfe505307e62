"""The training-curve plot: loss alone, or loss beside held-out F1 when the run evaluated."""

from __future__ import annotations

import json

import matplotlib.image
import pytest

from adapters.encoder_curve import plot_curve
from adapters.exceptions import TrainingError


def _width(tmp_path, curve) -> int:
    (tmp_path / "curve.json").write_text(json.dumps(curve))
    png = plot_curve(tmp_path / "curve.json", tmp_path / "curve.png")
    return matplotlib.image.imread(png).shape[1]


def test_a_run_without_evaluation_gets_the_loss_panel_alone(tmp_path):
    loss_only = [{"step": 10, "loss": 3.0}, {"step": 20, "loss": 2.5}]
    evaluated = [*loss_only, {"step": 20, "f1_scene": 12.0, "f1_text": 60.0}]
    assert _width(tmp_path, evaluated) > 1.5 * _width(tmp_path, loss_only)
    (tmp_path / "empty.json").write_text("[]")
    with pytest.raises(TrainingError, match="no points"):
        plot_curve(tmp_path / "empty.json", tmp_path / "empty.png")
