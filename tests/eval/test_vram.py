"""The VRAM planner: parameter counts, KV-cache and activation formulas, levels, fits, CLI."""

from __future__ import annotations

import json
import math

import pytest
from click.testing import CliRunner

from eval.exceptions import EvalError
from eval.vram.planner import (
    GIB,
    LEVEL_RATIOS,
    VramEstimate,
    activation_bytes,
    bytes_per_value,
    config_aliases,
    estimate_vram,
    kv_cache_bytes,
    load_model_shape,
    model_shape_from_config,
)
from hyperword.cli import cli

SMALL = {
    "model_type": "llama",
    "hidden_size": 64,
    "num_hidden_layers": 3,
    "num_attention_heads": 8,
    "num_key_value_heads": 2,
    "intermediate_size": 128,
    "vocab_size": 1000,
    "max_position_embeddings": 256,
    "tie_word_embeddings": False,
}


# -- parameter counts ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("alias", "low", "high"),
    [
        ("gemma-3-270m", 267.5e6, 268.5e6),
        ("smollm2-135m", 134e6, 135.5e6),
        ("llama-3.1-8b", 8.02e9, 8.04e9),
        ("llama-3.2-1b", 1.23e9, 1.24e9),
        ("mistral-7b-v0.3", 7.24e9, 7.26e9),
        ("qwen2.5-7b", 7.6e9, 7.63e9),
        ("qwen2.5-0.5b", 0.49e9, 0.5e9),
        ("gemma-3-1b", 0.99e9, 1.01e9),
    ],
)
def test_shipped_configs_have_the_published_parameter_counts(alias, low, high):
    assert alias in config_aliases()
    assert low <= load_model_shape(alias).parameters <= high


def test_small_config_parameters_by_hand():
    shape = model_shape_from_config(SMALL)
    h, d, layers, inter, vocab = 64, 8, 3, 128, 1000
    attention = h * 8 * d + 2 * h * 2 * d + 8 * d * h
    per_layer = attention + 3 * h * inter + 2 * h
    assert shape.head_dim == d
    assert shape.parameters == vocab * h + layers * per_layer + h + vocab * h
    tied = model_shape_from_config({**SMALL, "tie_word_embeddings": True})
    assert shape.parameters - tied.parameters == vocab * h


def test_parameters_and_kv_cache_match_real_transformers_models():
    import torch
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig, LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    llama = LlamaForCausalLM(LlamaConfig(**{k: v for k, v in SMALL.items() if k != "model_type"}))
    shape = model_shape_from_config(llama.config)  # a PretrainedConfig, via .to_dict()
    assert shape.parameters == sum(p.numel() for p in llama.parameters())

    config = Gemma3TextConfig(
        vocab_size=100,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=4,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=8,
        sliding_window=4,
        layer_types=["sliding_attention", "full_attention"] * 2,
        max_position_embeddings=64,
    )
    gemma = Gemma3ForCausalLM(config).eval()
    shape = model_shape_from_config(gemma.config)
    assert shape.parameters == sum(p.numel() for p in gemma.parameters())
    assert shape.layer_windows == (4, None, 4, None)
    with torch.no_grad():
        cache = gemma(torch.randint(0, 100, (2, 10)), use_cache=True).past_key_values
    measured = sum(
        layer.keys.numel() * layer.keys.element_size()
        + layer.values.numel() * layer.values.element_size()
        for layer in cache.layers
    )
    assert measured == kv_cache_bytes(shape, 10, batch=2, bytes_per_value=4)


# -- KV cache ------------------------------------------------------------------------------


def test_kv_cache_bytes_by_hand():
    shape = model_shape_from_config(SMALL)
    # 2 (k, v) * 3 layers * 2 kv heads * 8 head_dim * 100 tokens * batch 4 * 2 bytes
    assert kv_cache_bytes(shape, 100, batch=4, bytes_per_value=2) == 2 * 3 * 2 * 8 * 100 * 4 * 2
    assert kv_cache_bytes(shape, 100, bytes_per_value=0.5) == 2 * 3 * 2 * 8 * 100 // 2


def test_kv_cache_respects_sliding_windows():
    gemma = load_model_shape("gemma-3-270m")
    assert gemma.layer_windows.count(512) == 15 and gemma.layer_windows.count(None) == 3
    per_token_layer = 2 * 1 * 256 * 2
    expected = (3 * 100_000 + 15 * 511) * per_token_layer
    assert kv_cache_bytes(gemma, 100_000) == expected
    assert kv_cache_bytes(gemma, 300) == 18 * 300 * per_token_layer


@pytest.mark.parametrize(
    ("extra", "windows"),
    [
        ({"sliding_window": 16}, (16, 16, 16)),  # Mistral v0.1: every layer
        ({"sliding_window": 16, "use_sliding_window": False}, (None, None, None)),
        ({"sliding_window": 16, "sliding_window_pattern": 3}, (16, 16, None)),
        ({"sliding_window": 16, "model_type": "gemma2"}, (16, None, 16)),
        ({"sliding_window": 16, "max_window_layers": 1}, (None, 16, 16)),
        (
            {
                "sliding_window": 16,
                "layer_types": ["full_attention", "sliding_attention"] * 1 + ["full_attention"],
            },
            (None, 16, None),
        ),
        ({"sliding_window": None}, (None, None, None)),
    ],
)
def test_layer_windows_from_each_config_style(extra, windows):
    assert model_shape_from_config({**SMALL, **extra}).layer_windows == windows


# -- estimates -----------------------------------------------------------------------------


@pytest.mark.parametrize("level", list(LEVEL_RATIOS))
def test_level_divides_the_context(level):
    shape = load_model_shape("llama-3.1-8b")
    estimate = estimate_vram(shape, context_tokens=131_072, level=level)
    assert estimate.positions == math.ceil(131_072 / LEVEL_RATIOS[level])
    assert estimate.kv_cache_bytes == kv_cache_bytes(shape, estimate.positions)


def test_llama_8b_at_128k_text_tokens():
    shape = load_model_shape("llama-3.1-8b")
    text = estimate_vram(shape, context_tokens=131_072)
    assert text.kv_cache_bytes == 16 * GIB  # 2 * 32 layers * 8 heads * 128 * 128k * 2 bytes
    assert text.weight_bytes == shape.parameters * 2
    concept = estimate_vram(shape, context_tokens=131_072, level="concept")
    assert concept.kv_cache_bytes == 16 * GIB // 64
    assert concept.total_bytes < text.total_bytes


def test_ratio_overrides_the_level():
    shape = model_shape_from_config(SMALL)
    assert estimate_vram(shape, context_tokens=100, level="hyperword").positions == 77
    assert estimate_vram(shape, context_tokens=100, level="hyperword", ratio=2).positions == 50


def test_dtypes_and_quantized_weights():
    shape = model_shape_from_config(SMALL)
    assert bytes_per_value("int4") == 0.5 + 2 / 64
    int4 = estimate_vram(shape, context_tokens=10, dtype="int4")
    assert int4.weight_bytes == math.ceil(shape.parameters * (0.5 + 2 / 64))
    assert int4.kv_dtype == "bf16"
    fp32 = estimate_vram(shape, context_tokens=10, dtype="fp32", kv_dtype="int8")
    assert fp32.kv_cache_bytes == kv_cache_bytes(shape, 10, bytes_per_value=1 + 2 / 64)


def test_activation_formula_and_prefill_chunk():
    shape = model_shape_from_config(SMALL)
    per_position = max(2 * 64 + 2 * 8 * 8 + 2 * 2 * 8, 2 * 64 + 3 * 128)
    assert activation_bytes(shape, 100) == 100 * per_position * 2 + 1000 * 4
    assert activation_bytes(shape, 100, all_logits=True) == 100 * per_position * 2 + 100 * 1000 * 4
    whole = estimate_vram(shape, context_tokens=1000)
    chunked = estimate_vram(shape, context_tokens=1000, prefill_chunk=100)
    assert chunked.activation_bytes == activation_bytes(shape, 100)
    assert chunked.kv_cache_bytes == whole.kv_cache_bytes


def _estimate(total_gib: float) -> VramEstimate:
    return VramEstimate(
        model="m",
        parameters=1,
        level="text",
        ratio=1.0,
        context_tokens=1,
        positions=1,
        batch=1,
        dtype="bf16",
        kv_dtype="bf16",
        prefill_chunk=None,
        weight_bytes=int(total_gib * GIB),
        kv_cache_bytes=0,
        activation_bytes=0,
        overhead_bytes=0,
    )


def test_fits_table():
    fits = _estimate(48).fits()
    assert [(f.card_gb, f.fits) for f in fits] == [(24, False), (48, True), (80, True), (96, True)]
    assert fits[0].headroom_bytes == -24 * GIB
    assert fits[1].headroom_bytes == 0
    assert fits[2].headroom_bytes == 32 * GIB
    assert [f.fits for f in _estimate(100).fits()] == [False] * 4
    assert [f.card_gb for f in _estimate(1).fits((12, 16))] == [12, 16]
    data = _estimate(30).to_dict()
    assert data["total_bytes"] == 30 * GIB
    assert [f["fits"] for f in data["fits"]] == [False, True, True, True]
    json.dumps(data)


def test_max_position_warning_flag():
    shape = model_shape_from_config(SMALL)  # max_position_embeddings 256
    assert estimate_vram(shape, context_tokens=1000).exceeds_max_positions
    assert not estimate_vram(shape, context_tokens=1000, level="scene").exceeds_max_positions


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"level": "word"}, "unknown level 'word'"),
        ({"dtype": "fp8"}, "unknown dtype 'fp8'"),
        ({"kv_dtype": "q4"}, "unknown dtype 'q4'"),
        ({"context_tokens": 0}, "context_tokens"),
        ({"batch": 0}, "batch"),
        ({"ratio": 0}, "ratio"),
        ({"prefill_chunk": 0}, "prefill_chunk"),
    ],
)
def test_estimate_rejects_bad_options(options, match):
    shape = model_shape_from_config(SMALL)
    with pytest.raises(EvalError, match=match):
        estimate_vram(shape, **{"context_tokens": 10, **options})


# -- loading configs -----------------------------------------------------------------------


def test_load_from_file_folder_alias_and_hub_id(tmp_path):
    folder = tmp_path / "my-model"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(SMALL), encoding="utf-8")
    by_file = load_model_shape(folder / "config.json")
    by_folder = load_model_shape(str(folder))
    assert by_file == by_folder
    assert by_file.name == "my-model"
    assert load_model_shape("Llama-3.1-8B") == load_model_shape("meta-llama/Llama-3.1-8B")


def test_multimodal_configs_use_their_text_config():
    shape = model_shape_from_config({"model_type": "gemma3", "text_config": SMALL})
    assert shape == model_shape_from_config(SMALL)


def test_gpt2_style_names():
    gpt2 = {
        "model_type": "gpt2",
        "n_embd": 768,
        "n_layer": 12,
        "n_head": 12,
        "vocab_size": 50257,
        "n_inner": None,
        "n_positions": 1024,
        "tie_word_embeddings": True,
    }
    shape = model_shape_from_config(gpt2)
    assert shape.intermediate_size == 3072 and not shape.gated_mlp
    assert 123e6 <= shape.parameters <= 125e6


@pytest.mark.parametrize(
    ("config", "match"),
    [
        ({"model_type": "bert"}, "lacks hidden_size"),
        ({**SMALL, "hidden_size": "big"}, "hidden_size must be a positive integer"),
        ({**SMALL, "num_hidden_layers": 0}, "num_hidden_layers must be a positive integer"),
        ({**SMALL, "layer_types": ["full_attention"]}, "1 layer_types for 3 layers"),
        ([1, 2], "not a JSON object"),
    ],
)
def test_bad_configs(config, match):
    with pytest.raises(EvalError, match=match):
        model_shape_from_config(config)


def test_bad_paths(tmp_path):
    with pytest.raises(EvalError, match=r"no model config 'nope'.*alias"):
        load_model_shape("nope")
    with pytest.raises(EvalError, match=r"no config\.json in folder"):
        load_model_shape(tmp_path)
    bad = tmp_path / "config.json"
    bad.write_text("{oops", encoding="utf-8")
    with pytest.raises(EvalError, match="not valid JSON"):
        load_model_shape(bad)


# -- CLI -----------------------------------------------------------------------------------


def test_cli_table_compares_levels():
    result = CliRunner().invoke(
        cli,
        [
            "vram",
            "--model",
            "llama-3.1-8b",
            "--context-tokens",
            "131072",
            "--level",
            "text",
            "--level",
            "concept",
        ],
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("llama-3.1-8b: 8.03B parameters, 32 layers")
    header = next(line for line in lines if line.strip().startswith("text"))
    assert header.split() == ["text", "concept"]
    kv = next(line for line in lines if line.startswith("KV cache GiB"))
    assert kv.split()[-2:] == ["16.00", "0.25"]
    card24 = next(line for line in lines if line.startswith("24 GB card"))
    assert card24.split()[3] == "no" and card24.split()[5] == "yes"


def test_cli_json(tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps(SMALL), encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        [
            "vram",
            "--model",
            str(config),
            "--context-tokens",
            "200",
            "--level",
            "scene",
            "--json",
            "--batch",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    (estimate,) = json.loads(result.output)
    assert estimate["positions"] == 25 and estimate["batch"] == 2
    assert estimate["kv_cache_bytes"] == kv_cache_bytes(model_shape_from_config(SMALL), 25, batch=2)
    assert [fit["card_gb"] for fit in estimate["fits"]] == [24, 48, 80, 96]


def test_cli_warns_beyond_max_positions():
    result = CliRunner().invoke(
        cli, ["vram", "--model", "smollm2-135m", "--context-tokens", "20000"]
    )
    assert result.exit_code == 0
    assert "exceed the model's max_position_embeddings (8,192)" in result.output


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (None, "Error: no model config"),
        ("{oops", "Error: model config"),
        ('{"model_type": "x"}', "Error: "),
    ],
)
def test_cli_errors_are_one_line(tmp_path, content, match):
    path = tmp_path / "missing.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(cli, ["vram", "--model", str(path), "--context-tokens", "10"])
    assert result.exit_code == 1
    assert result.output.startswith(match)
    assert len(result.output.strip().splitlines()) == 1
