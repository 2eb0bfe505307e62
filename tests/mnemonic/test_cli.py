from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

import hyperword.models
from hyperword.cli import cli
from tests.mnemonic.conftest import tiny_tokenizer_named


@pytest.fixture
def offline_models(monkeypatch, embedder):
    """The CLI's default models, swapped for the shared embedder and the tiny tokenizer."""
    monkeypatch.setattr(hyperword.models, "load_tokenizer", lambda name: tiny_tokenizer_named())
    monkeypatch.setattr(hyperword.models, "load_embedder", lambda name=None, **_: embedder)


def test_ingest_folder_then_search(tmp_path, offline_models):
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "sub" / "bridge.md").write_text("The glass bridge crosses the river in Brask.")
    (corpus / "tea.txt").write_text("Zephyrine tea is brewed from kopa leaves.")
    (corpus / "empty.txt").write_text("")
    (corpus / "blob.txt").write_bytes(b"\x00\x01\x02")
    store = tmp_path / "store"
    runner = CliRunner()
    result = runner.invoke(cli, ["ingest", str(corpus), "--store", str(store), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "ingested 2 chunks from 2 documents (0 unchanged, 2 inputs skipped)" in result.output

    again = runner.invoke(cli, ["ingest", str(corpus), "--store", str(store), "--no-progress"])
    assert "0 chunks from 0 documents (2 unchanged" in again.output

    found = runner.invoke(cli, ["search", "river bridge", "--store", str(store), "-k", "1"])
    assert found.exit_code == 0 and "sub/bridge.md" in found.output and "Brask" in found.output
    as_json = runner.invoke(cli, ["search", "tea", "--store", str(store), "-k", "2", "--json"])
    hits = json.loads(as_json.output)
    assert hits[0]["doc_id"] == "tea.txt" and {"score", "text"} <= set(hits[0])


def test_store_errors_are_one_line(tmp_path, offline_models):
    (tmp_path / "a.txt").write_text("Text.")
    (tmp_path / "file").write_text("not a store")
    runner = CliRunner()
    result = runner.invoke(
        cli, ["ingest", str(tmp_path / "a.txt"), "--store", str(tmp_path / "file")]
    )
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith("Error: store path")
    missing = runner.invoke(cli, ["search", "x", "--store", str(tmp_path / "none")])
    assert missing.exit_code == 1 and "Error: no store" in missing.output


def test_store_check_reports_damage_and_repair_restores_from_sources(tmp_path, offline_models):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bridge.md").write_text("The glass bridge crosses the river in Brask.")
    (corpus / "tea.txt").write_text("Zephyrine tea is brewed from kopa leaves.")
    store = tmp_path / "store"
    runner = CliRunner()
    runner.invoke(cli, ["ingest", str(corpus), "--store", str(store), "--no-progress"])
    search = ["search", "river bridge", "--store", str(store), "-k", "2", "--json"]
    want = json.loads(runner.invoke(cli, search).output)

    healthy = runner.invoke(cli, ["store", "check", str(store)])
    assert healthy.exit_code == 0 and "ok: 2 documents, 2 chunks" in healthy.output

    shutil.rmtree(store / "chunks.lance")
    broken = runner.invoke(cli, search)
    assert broken.exit_code == 1 and broken.output.count("\n") == 1
    assert "Error: store" in broken.output and "table chunks is missing" in broken.output
    assert f"hyperword store check {store} --repair" in broken.output
    checked = runner.invoke(cli, ["store", "check", str(store)])
    assert checked.exit_code == 1 and "DAMAGED" in checked.output
    assert "problem: table chunks is missing" in checked.output

    repaired = runner.invoke(cli, ["store", "check", str(store), "--repair", "--no-progress"])
    assert repaired.exit_code == 0, repaired.output
    assert "ingested 2 again from their sources" in repaired.output
    assert "ok: 2 documents, 2 chunks" in repaired.output
    assert json.loads(runner.invoke(cli, search).output) == want


def test_store_check_rebuilds_a_damaged_index(tmp_path, offline_models):
    (tmp_path / "tea.txt").write_text("Zephyrine tea is brewed from kopa leaves.")
    store = tmp_path / "store"
    runner = CliRunner()
    runner.invoke(cli, ["ingest", str(tmp_path / "tea.txt"), "--store", str(store)])
    (index_file,) = store.glob("index-*.faiss")
    data = bytearray(index_file.read_bytes())
    data[-40:-8] = bytes(32)  # the id map, garbled in place
    index_file.write_bytes(bytes(data))
    checked = runner.invoke(cli, ["store", "check", str(store)])
    assert checked.exit_code == 0 and "does not match its checksum" in checked.output
    repaired = runner.invoke(cli, ["store", "check", str(store), "--repair"])
    assert repaired.exit_code == 0 and "rebuilt the FAISS index" in repaired.output
    again = runner.invoke(cli, ["store", "check", str(store)])
    assert "FAISS" not in again.output
    found = runner.invoke(cli, ["search", "tea", "--store", str(store), "-k", "1", "--json"])
    assert json.loads(found.output)[0]["doc_id"] == "tea.txt"


def test_search_modes_and_links(tmp_path, offline_models):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "Velmund Bridge.txt").write_text("The Velmund Bridge was designed by Orla Tamris.")
    (corpus / "Orla Tamris.txt").write_text("Orla Tamris was born in the town of Kadorin.")
    store = tmp_path / "store"
    runner = CliRunner()
    assert runner.invoke(cli, ["ingest", str(corpus), "--store", str(store)]).exit_code == 0
    args = ["search", "Velmund", "--store", str(store), "-k", "1"]
    lexical = runner.invoke(cli, [*args, "--mode", "lexical", "--links"])
    assert lexical.exit_code == 0, lexical.output
    assert "Velmund Bridge.txt" in lexical.output
    assert "-> Orla Tamris.txt" in lexical.output and "Orla Tamris" in lexical.output
    as_json = json.loads(runner.invoke(cli, [*args, "--links", "--json"]).output)
    assert as_json[0]["neighbours"][0]["doc_id"] == "Orla Tamris.txt"
    assert as_json[0]["neighbours"][0]["shared"] == ["Orla Tamris"]
    bad = runner.invoke(cli, [*args, "--mode", "semantic"])
    assert bad.exit_code == 2 and "semantic" in bad.output
