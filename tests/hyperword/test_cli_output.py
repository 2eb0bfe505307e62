"""What the user reads: our own progress and results, third-party noise only with --verbose.

`hyperword demo` runs in a subprocess on the tiny model saved as a folder (so it loads
weights with transformers, as the real demo does) and must print no `FutureWarning` and no
third-party progress bar between its own lines.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import build_tiny_model, build_tiny_tokenizer

CLI = [sys.executable, "-c", "from hyperword.cli import cli; cli()"]
NOISE = ("FutureWarning", "is deprecated", "Loading weights", "%|")


@pytest.fixture(scope="module")
def model_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny-model")
    tokenizer = build_tiny_tokenizer()
    build_tiny_model(len(tokenizer)).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def _demo(model_folder, *flags: str, encoder: str = "none") -> subprocess.CompletedProcess:
    options = ["--model", str(model_folder), "--encoder", encoder, "--hyperword-tokenizer", "none"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    # in-process CLI runs of other tests set these in os.environ (quiet_third_party)
    for name in ("PYTHONWARNINGS", "HF_HUB_DISABLE_PROGRESS_BARS", "TRANSFORMERS_VERBOSITY"):
        env.pop(name, None)
    return subprocess.run(
        [*CLI, *flags, "demo", *options, "-n", "1", "--budget", "64"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def test_the_demo_prints_only_our_own_lines(model_folder):
    result = _demo(model_folder)
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "Ingested" in output and "answers contain the expected text" in output
    for noise in NOISE:
        assert noise not in output, output


def test_verbose_lets_the_third_party_lines_through(model_folder):
    result = _demo(model_folder, "--verbose")
    assert result.returncode == 0, result.stderr
    assert "Loading weights" in result.stderr  # transformers' progress bar
    assert "DEBUG mnemonic" in result.stderr  # and our own details


def test_a_note_from_any_package_of_ours_shows_without_verbose(model_folder):
    # The orchestrator (not the hyperword package) turns the soft levels off: the shipped
    # encoder was trained for gemma-3-270m, not for this model. The user must be told.
    result = _demo(model_folder, encoder="auto")
    assert result.returncode == 0, result.stderr
    assert "INFO orchestrator.loading: scene/concept levels off" in result.stderr
    assert "was trained for gemma-3-270m" in result.stderr
