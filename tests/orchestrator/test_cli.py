"""`hyperword ask` through click's runner, with the tiny model saved to a folder."""

from __future__ import annotations

import json
import shutil

from click.testing import CliRunner

from hyperword.cli import cli


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_ask_prints_answer_and_report(folder_store, model_folder, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(folder_store, store)
    common = ["--store", str(store), "--model", str(model_folder), "--encoder", "none"]
    result = run("ask", "Who designed the bridge?", *common, "--budget", "64")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("A: ")
    assert "context: " in result.output and "of budget 64" in result.output
    assert "bridge" in result.output  # the source line

    result = run("ask", "Where is the festival?", *common, "--json", "--max-new-tokens", "3")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["report"]["budget"] == 256
    assert data["report"]["context_tokens"] <= 256
    assert data["report"]["sources"][0]["doc_id"] == "festival"

    result = run("ask", "Who designed the bridge?", *common, "--hops", "1", "--no-focus", "--json")
    assert result.exit_code == 0, result.output
    sources = json.loads(result.stdout)["report"]["sources"]
    assert sources[0]["hop"] == 1 and not any(s["excerpt"] for s in sources)

    result = run("ask", "Where?", *common, "--stream", "--max-new-tokens", "2")
    assert result.exit_code == 0 and result.stdout.startswith("A: ")


def test_ask_errors_are_one_line(model_folder, tmp_path):
    result = CliRunner().invoke(
        cli, ["ask", "Q?", "--store", str(tmp_path / "none"), "--model", str(model_folder)]
    )
    assert result.exit_code == 1
    assert "Error: no store at" in result.output


def test_ask_refuses_unavailable_levels(folder_store, model_folder, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(folder_store, store)
    args = ["ask", "Q?", "--store", str(store), "--model", str(model_folder)]
    args += ["--encoder", "none", "--hyperword-tokenizer", "none", "--level", "concept"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert "Error: level(s) unavailable (concept: no encoder loaded)" in result.output


def test_ask_refuses_a_budget_the_model_cannot_read(folder_store, model_folder, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(folder_store, store)
    args = ["ask", "Q?", "--store", str(store), "--model", str(model_folder), "--encoder", "none"]
    result = CliRunner().invoke(cli, [*args, "--budget", "100000"])
    assert result.exit_code == 1
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("Error: budget 100000 does not fit the model") and "2048" in last
    where = CliRunner().invoke(cli, [*args, "--where", "1=1; drop table chunks"])
    assert where.exit_code == 1 and "Error: invalid filter: ';'" in where.output


def test_ask_passes_policy_options(folder_store, model_folder, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(folder_store, store)
    args = ["ask", "Who designed the bridge?", "--store", str(store), "--model", str(model_folder)]
    args += ["--encoder", "none", "--json", "--max-new-tokens", "2"]
    wide = json.loads(run(*args).stdout)["report"]["sources"]
    result = run(*args, "--policy-option", "max_sources=1", "--policy-option", "rest_view=false")
    assert result.exit_code == 0, result.output
    assert len(wide) > 1 and len(json.loads(result.stdout)["report"]["sources"]) == 1
    bad = CliRunner().invoke(cli, [*args, "--policy-option", "rest_view=maybe"])
    assert bad.exit_code == 1
    assert "option rest_view must be true or false, got 'maybe'" in bad.output
    shapeless = CliRunner().invoke(cli, [*args, "--policy-option", "rest_view"])
    assert shapeless.exit_code == 2 and "expected KEY=VALUE" in shapeless.output
