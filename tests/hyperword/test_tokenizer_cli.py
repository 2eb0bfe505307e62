"""`hyperword tokenizer train|stats` through click's runner, with the tiny base tokenizer."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from hyperword.cli import cli
from tests.conftest import TINY_CORPUS


@pytest.fixture
def files(tmp_path, tiny_tokenizer):
    base = tmp_path / "tiny-base"
    tiny_tokenizer.save_pretrained(base)
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(TINY_CORPUS * 4), encoding="utf-8")
    sample = tmp_path / "sample.txt"
    sample.write_text(" ".join(TINY_CORPUS), encoding="utf-8")
    return base, corpus, sample


def test_train_then_stats(files, tmp_path):
    base, corpus, sample = files
    out = tmp_path / "hw"
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["tokenizer", "train", str(corpus), "--base", str(base), "--vocab-size", "30",
         "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "hyperwords" in result.output
    assert (out / "config.json").exists()

    result = runner.invoke(cli, ["tokenizer", "stats", "--tokenizer", str(out), str(sample)])
    assert result.exit_code == 0, result.output
    assert "ratio" in result.output

    result = runner.invoke(
        cli, ["tokenizer", "stats", "--tokenizer", str(out), str(sample), "--json"]
    )
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)
    assert row["hyperword_tokens"] < row["base_tokens"]
    assert row["ratio"] == pytest.approx(row["hyperword_tokens"] / row["base_tokens"])
    assert row["words"] == len(sample.read_text().split())


def test_stats_on_corrupt_folder_is_one_clear_line(files, tmp_path):
    _, _, sample = files
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "config.json").write_text("{oops")
    result = CliRunner().invoke(
        cli, ["tokenizer", "stats", "--tokenizer", str(folder), str(sample)]
    )
    assert result.exit_code == 1
    assert "Error: cannot read" in result.output


def test_train_unknown_trainer(files, tmp_path):
    base, corpus, _ = files
    result = CliRunner().invoke(
        cli,
        ["tokenizer", "train", str(corpus), "--base", str(base), "--vocab-size", "5",
         "--trainer", "nope", "--out", str(tmp_path / "x")],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "unknown trainer 'nope'" in result.output
