"""Pack an encoder training run for one CUDA GPU: the data, the config and a run script.

    python -m adapters.gpu_pack --data-dir ../shared/data --out gpu-pack [--minutes 7]

writes `gpu-pack/` with the training data files (a few MB), `train.json` (the shipped recipe
on `cuda`, bf16 autocast, larger batches, a time budget so the run ends in time) whose paths
are relative to the pack, and `run.sh`, which trains from the pack and copies the encoder,
its curve and its log to an output folder:

    bash gpu-pack/run.sh OUT_DIR   # on the GPU machine, from the repository root

The base model must be loadable there (`load_base_model("gemma-3-270m")`: its GGUF package
installed, or `$HYPERWORD_CACHE` holding the converted weights). docs/encoder.md says how to
bring it to a machine that cannot reach a package registry.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from adapters.encoder_config import EncoderTrainingConfig

__all__ = ["DATA_FILES", "pack"]

RECIPE = "gemma-3-270m-encoder.json"  # the shipped default's training config, in configs/

DATA_FILES = {
    "squad": "squad-v1.1-dev-part1.json.gz",
    "nq": "nq-open-oracle.jsonl.gz",
    "text_corpus": "wikitext-2-raw-test.txt.gz",
}
RUN_SCRIPT = """#!/usr/bin/env bash
# Train the encoder on one CUDA GPU from this pack; copies the results to OUT_DIR.
set -euo pipefail
pack="$(cd "$(dirname "$0")" && pwd)"
out="$(mkdir -p "${1:?usage: run.sh OUT_DIR}" && cd "$1" && pwd)"
export PYTHONPATH="$(pwd)${PYTHONPATH:+:$PYTHONPATH}"  # the repository root
python3 -c "import torch; assert torch.cuda.is_available(), 'no CUDA device'"
cd "$pack"
python3 -m hyperword train --config train.json --no-eval 2>&1 | tee "$out/train.log"
cp -r run/encoder "$out/encoder"
cp run/curve.json "$out/curve.json"
"""


def pack(data_dir: str | Path, out: str | Path, *, minutes: float = 7.0, **overrides) -> Path:
    """Write the pack (see the module docstring); returns its folder.

    Args:
        data_dir: Where the training data files are (`../shared/data`).
        out: The pack folder (created; files in it are replaced).
        minutes: The run's time budget: it stops, saved, at the first step past it.
        overrides: Other `EncoderTrainingConfig` settings for the run.
    """
    data_dir, out = Path(data_dir), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for key, name in DATA_FILES.items():
        shutil.copyfile(data_dir / name, out / name)
        paths[key] = name
    settings = {
        **json.loads(Path(__file__).with_name("configs").joinpath(RECIPE).read_text()),
        **paths,
        "output_dir": "run",
        "device": "cuda",
        "precision": "bf16",
        "batch_size": 32,
        "steps": 100_000,
        "max_minutes": minutes,
        "save_every": 200,
        "threads": None,
        **overrides,
    }
    EncoderTrainingConfig.from_dict(settings, source="gpu pack")  # refuse a bad pack here
    (out / "train.json").write_text(json.dumps(settings, indent=2, sort_keys=True) + "\n")
    script = out / "run.sh"
    script.write_text(RUN_SCRIPT)
    script.chmod(0o755)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--out", default="gpu-pack")
    parser.add_argument("--minutes", type=float, default=7.0)
    args = parser.parse_args(argv)
    folder = pack(args.data_dir, args.out, minutes=args.minutes)
    print(f"packed {folder}: run `bash {folder}/run.sh OUT_DIR` on the GPU machine")


if __name__ == "__main__":
    main()
