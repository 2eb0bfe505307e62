"""Sequence assembly and per-level materials, with the tiny model."""

from __future__ import annotations

import pytest
import torch

from hyperword.levels import LEVELS, LevelParts, level_names
from hyperword.memory import model_kv_cache_bytes
from hyperword.prompts import get_template
from hyperword.rows import text_rows
from mnemonic import Hit
from orchestrator import MarkerStyle, Piece, assemble
from orchestrator.candidates import candidate_rows, cost_candidates

D_MODEL = 32  # the tiny model's hidden size


def hit(text, i=0):
    return Hit(id=f"c{i}", doc_id=f"d{i}", chunk_index=0, score=0.5, text=text, text_tokens=0)


def test_assemble_places_prefix_pieces_and_suffix(model, base_tokenizer):
    parts = get_template("qa-bare").render(question="Who?", context="")
    marker = text_rows(model, base_tokenizer, "[1] ")  # (m, d)
    content = torch.zeros(5, D_MODEL)
    out = assemble(model, base_tokenizer, parts, [Piece("scene", marker, content)])
    prefix = 1 + len(base_tokenizer(parts.prefix, add_special_tokens=False).input_ids)  # BOS
    suffix = len(base_tokenizer(parts.suffix, add_special_tokens=False).input_ids)
    m = marker.shape[0]
    assert out.inputs_embeds.shape == (1, prefix + m + 5 + suffix, D_MODEL)
    assert out.context_start == prefix
    assert out.spans == ((prefix, prefix + m + 5),)
    assert out.marker_tokens == m
    assert out.level_tokens == {"scene": 5}
    assert out.context_tokens == m + 5
    assert torch.equal(out.inputs_embeds[0, prefix + m : prefix + m + 5], content)


def test_assembled_text_equals_embedding_the_ids(model, base_tokenizer):
    """A text piece assembled from rows gives the same prompt as embedding its ids."""
    parts = get_template("qa-bare").render(question="Who?", context="")
    rows = text_rows(model, base_tokenizer, "The bridge crosses the river.")
    out = assemble(model, base_tokenizer, parts, [Piece("text", rows[:0], rows)])
    texts = [parts.prefix, "The bridge crosses the river.", parts.suffix]
    ids = [base_tokenizer.bos_token_id]
    for text in texts:
        ids += base_tokenizer(text, add_special_tokens=False).input_ids
    expected = model.get_input_embeddings()(torch.tensor([ids]))
    assert torch.allclose(out.inputs_embeds, expected)


def test_marker_style(base_tokenizer):
    style = MarkerStyle()
    assert style.text(1) == "[1] "
    assert style.text(2) == "\n[2] "
    assert style.tokens(base_tokenizer, 2) > style.tokens(base_tokenizer, 1) > 0
    with pytest.raises(ValueError, match="format string"):
        MarkerStyle(source="[{m}]")


def test_candidates_costs_and_rows_agree(model, base_tokenizer, encoder, hyperword_tokenizer):
    parts = LevelParts(
        model, base_tokenizer, hyperword_tokenizer=hyperword_tokenizer, encoder=encoder
    )
    levels = tuple(name for name in level_names() if LEVELS[name].unavailable(parts) is None)
    assert levels == ("text", "hyperword", "scene", "concept")  # what the tiny encoder serves
    text = "Zephyrine tea is brewed from the dried leaves of the kopa shrub. " * 3
    (candidate,) = cost_candidates([(hit(text), 1)], levels=levels, parts=parts, marker=2)
    base = base_tokenizer(text, add_special_tokens=False).input_ids
    assert candidate.costs["text"] == len(base) + 2 and candidate.base_ids == tuple(base)
    assert candidate.costs["hyperword"] < candidate.costs["text"]
    assert hyperword_tokenizer.expand(candidate.values["hyperword"]) == base
    for level in levels:
        rows = candidate_rows(candidate, level, parts)
        assert rows.shape == (candidate.costs[level] - 2, D_MODEL), level
    assert candidate.costs["scene"] == -(-len(base) // 8) + 2 + 2
    assert candidate.costs["concept"] == -(-len(base) // 64) + 2 + 2
    assert candidate_rows(candidate, "hyperword", parts, keep=3).shape == (3, D_MODEL)


def test_kv_cache_bytes_matches_the_vram_planner(model):
    from eval.vram.planner import kv_cache_bytes as planner_bytes
    from eval.vram.planner import model_shape_from_config

    shape = model_shape_from_config(model.config)
    for tokens in (1, 100, 1000):
        assert model_kv_cache_bytes(model.config, tokens, bytes_per_value=4) == planner_bytes(
            shape, tokens, bytes_per_value=4
        )


def test_kv_cache_bytes_caps_sliding_window_layers():
    from transformers import Gemma3TextConfig

    from eval.vram.planner import kv_cache_bytes as planner_bytes
    from eval.vram.planner import model_shape_from_config

    config = Gemma3TextConfig(
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=6,
        num_attention_heads=4,
        num_key_value_heads=1,
        head_dim=16,
        sliding_window=32,
        vocab_size=100,
    )
    shape = model_shape_from_config(config)
    for tokens in (10, 31, 500):
        assert model_kv_cache_bytes(config, tokens, bytes_per_value=2) == planner_bytes(
            shape, tokens, bytes_per_value=2
        )
    assert model_kv_cache_bytes(config, 500, bytes_per_value=2) < 6 * 2 * 16 * 500 * 2
