"""The demo pipeline (`hyperword demo`) on the tiny model: ingest every level, then answer."""

from __future__ import annotations

from click.testing import CliRunner

from hyperword.cli import cli
from orchestrator.demo import run_demo


def test_demo_stores_and_uses_every_available_level(model_folder, encoder, hyperword_tokenizer):
    setups, results = [], []
    run_demo(
        str(model_folder),
        num_questions=2,
        budget=48,
        encoder=encoder,
        hyperword_tokenizer=hyperword_tokenizer,
        on_setup=setups.append,
        on_result=results.append,
    )
    (setup,) = setups
    assert setup.levels == ("text", "hyperword", "scene", "concept")
    unserved = ("ratio-4", "ratio-16", "ratio-32")  # rungs the tiny encoder does not serve
    assert setup.skipped == dict.fromkeys(unserved, "the encoder does not serve it")
    assert setup.documents == 6 and setup.chunks >= 6
    assert setup.full_kv_cache_bytes > 0
    assert encoder.calls >= 2 * setup.chunks  # scene and concept vectors written at ingest
    calls = encoder.calls
    assert len(results) == 2
    for result in results:
        assert 0 < result.context_tokens <= 48 < result.corpus_tokens
        assert result.report.sources and result.retrieved_doc.endswith(".md")
    assert encoder.calls == calls  # questions read the stored vectors


def test_demo_names_the_levels_it_skips(model_folder):
    args = ["demo", "--model", str(model_folder), "-n", "1", "--budget", "64"]
    args += ["--encoder", "none", "--hyperword-tokenizer", "none"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "levels: text" in out
    assert "skipped hyperword: no hyperword tokenizer" in out
    assert "skipped scene: no trained encoder" in out
    assert "Full context (the whole corpus):" in out
    assert "Q: Who designed the Velloran Glass Bridge?" in out
    assert " vs full context " in out and "x fewer" in out
    assert "answers contain the expected text" in out
