"""The GPU recipe: a pack that validates, a time budget, bf16, and CUDA where there is one."""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess

import pytest
import torch

from adapters.encoder_config import EncoderTrainingConfig
from adapters.encoder_trainer import train_encoder
from adapters.gpu_pack import DATA_FILES, pack
from eval.benchmarks import bench_compressor
from eval.benchmarks.bench_compressor import (
    RATIOS,
    best_variant,
    extended_from,
    run_name,
    training_config,
)
from tests.adapters.test_encoder_training import tiny_config, write_squad
from tests.conftest import build_tiny_model


def test_the_pack_holds_its_data_and_a_valid_config(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    write_squad(data / DATA_FILES["squad"])
    with gzip.open(data / DATA_FILES["nq"], "wt") as handle:
        handle.write(json.dumps({"question": "q?", "answers": ["a"], "ctxs": [{"text": "a"}]}))
    with gzip.open(data / DATA_FILES["text_corpus"], "wt") as handle:
        handle.write(" ".join(["word"] * 50) + "\n")
    folder = pack(data, tmp_path / "pack", minutes=3)
    settings = json.loads((folder / "train.json").read_text())
    config = EncoderTrainingConfig.from_dict(settings)
    assert config.device == "cuda" and config.precision == "bf16" and config.max_minutes == 3
    assert config.decay_steps == 0  # a run bounded by time has no known last steps
    for key, name in DATA_FILES.items():
        assert settings[key] == name and (folder / name).is_file()  # relative to the pack
    assert "train --config train.json" in (folder / "run.sh").read_text()
    compare = folder / "compare.sh"
    assert "bench_compressor" in compare.read_text()
    assert subprocess.run(["bash", "-n", str(compare)]).returncode == 0  # parses


def test_the_comparison_names_the_best_measured_variant(tmp_path):
    assert best_variant(tmp_path) == "frozen-mid"  # nothing measured yet
    soft = dict.fromkeys(RATIOS, 10.0)
    for name, scene in (("frozen-mid", 10.0), ("lora-last", 30.0), ("lora-last-9600", 90.0)):
        (tmp_path / name).mkdir()
        row = {"variant": name, "f1": {**soft, "scene": scene, "text": 60.0}}
        (tmp_path / name / "result.json").write_text(json.dumps(row))
    assert best_variant(tmp_path) == "lora-last"  # an extended run is no candidate


def test_an_extended_bench_run_can_end_in_a_cool_down(tmp_path):
    args = argparse.Namespace(
        data_dir=str(tmp_path), out=str(tmp_path / "out"), samples=160, extend_samples=400,
        from_samples=240, decay_samples=80, batch_size=8, threads=1, device=None,
        precision="fp32", max_minutes=None, distill=0.5,
    )  # fmt: skip
    config = training_config("frozen-last", args)
    assert config.distill == 0.5  # --distill reaches every variant's run
    assert run_name("frozen-last", args) == "frozen-last-400"
    assert extended_from("frozen-last", args) == "frozen-last-240"
    assert (config.steps, config.decay_steps, config.pretrain_steps) == (50, 10, 5)
    args.decay_samples = None
    assert training_config("frozen-last", args).decay_steps == 0


def test_the_bench_refuses_a_cool_down_from_a_missing_run(tmp_path, capsys):
    # One clear line and exit status 2, before the base model is loaded.
    argv = ["--data-dir", str(tmp_path), "--out", str(tmp_path / "out"), "--variants"]
    argv += ["frozen-last", "--extend-samples", "400", "--from-samples", "240"]
    with pytest.raises(SystemExit) as stop:
        bench_compressor.main(argv)
    assert stop.value.code == 2
    assert "frozen-last-240 holds no checkpoint" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        bench_compressor.main([*argv[:-4], "--from-samples", "240"])  # no --extend-samples
    assert "give --extend-samples too" in capsys.readouterr().err


def test_a_time_budget_stops_saved_and_resumable(tmp_path, tiny_tokenizer):
    config = tiny_config(tmp_path, steps=50, max_minutes=0.0)
    model = build_tiny_model(len(tiny_tokenizer))
    result = train_encoder(config, model=model, tokenizer=tiny_tokenizer, progress=False)
    assert result.steps == 1 and (result.encoder_dir / "config.json").is_file()
    again = train_encoder(
        tiny_config(tmp_path, steps=3),
        model=build_tiny_model(len(tiny_tokenizer)),
        tokenizer=tiny_tokenizer,
        progress=False,
    )
    assert again.resumed_from == 1 and again.steps == 3


def test_bf16_autocast_trains_on_the_cpu(tmp_path, tiny_tokenizer):
    config = tiny_config(tmp_path, steps=2, precision="bf16")
    model = build_tiny_model(len(tiny_tokenizer))
    result = train_encoder(config, model=model, tokenizer=tiny_tokenizer, progress=False)
    assert all(0 < p["loss"] < 100 for p in result.curve if "loss" in p)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")
def test_training_on_cuda_in_bf16(tmp_path, tiny_tokenizer):
    config = tiny_config(tmp_path, steps=2, precision="bf16", device="cuda")
    model = build_tiny_model(len(tiny_tokenizer)).to("cuda")
    result = train_encoder(config, model=model, tokenizer=tiny_tokenizer, progress=False)
    assert all(0 < p["loss"] < 100 for p in result.curve if "loss" in p)


def test_the_bench_refuses_a_bad_training_setting_before_loading_the_model(tmp_path, capsys):
    argv = ["--data-dir", str(tmp_path), "--out", str(tmp_path / "out"), "--distill", "2"]
    with pytest.raises(SystemExit) as stop:
        bench_compressor.main(argv)
    assert stop.value.code == 2
    assert "'distill' must be in [0, 1], got 2.0" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
