from __future__ import annotations

import json

from click.testing import CliRunner

from hyperword import __version__
from hyperword.cli import cli


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_models_lists_both_aliases_with_sizes():
    result = CliRunner().invoke(cli, ["models", "--json"])
    assert result.exit_code == 0, result.output
    infos = {info["alias"]: info for info in json.loads(result.output)}
    assert set(infos) >= {"gemma-3-270m", "smollm2-135m"}
    gemma = infos["gemma-3-270m"]
    assert gemma["installed"] is True
    assert gemma["vocab_size"] == 262_144
    assert 260e6 < gemma["parameters"] < 275e6


def test_models_table():
    result = CliRunner().invoke(cli, ["models"])
    assert result.exit_code == 0
    assert "gemma-3-270m" in result.output
    assert "smollm2-135m" in result.output


def test_toolkit_errors_become_one_line_and_exit_1():
    result = CliRunner().invoke(cli, ["demo", "--model", "no-such-model"])
    assert result.exit_code == 1
    assert "Error: unknown model 'no-such-model'" in result.output
    assert "Traceback" not in result.output
