"""Which compressor architecture? Equal-sample training runs, probe gaps and held-out F1.

    python -m eval.benchmarks.bench_compressor --data-dir ../shared/data --out runs/compressor \\
        [--samples 1600] [--variants frozen-mid,frozen-last,...] [--questions 60] \\
        [--device cuda --precision bf16 --batch-size 32] [--train-only] [--extend-samples N
        [--from-samples M] [--decay-samples D]]

Every variant trains a fresh multi-ratio encoder (one projector for ratios 4, 8, 16, 32 and
64, per-ratio markers, the decoder LoRA) on the same data, the same number of samples and the
same seed: SQuAD part 1 without its last 4 articles, NQ-open with gold passages, invented-fact
passages and WikiText spans; reconstruction first, then the QA mix. It then reports, on the
held-out last 4 SQuAD articles (questions drawn uniformly, seed 0):

- the probe gap per level: the answer loss with another question's passage minus with the
  question's own (nats per answer; what the level's tokens tell the decoder about *this*
  passage; `text` is the passage verbatim through the same decoder, the ceiling);
- greedy-answer F1 per level;
- training samples per second (training steps only, this machine, this run).

Runs are resumable: a variant whose `result.json` exists is read back, a variant whose
training stopped resumes from its checkpoint. Results: `OUT/results.json`, `OUT/results.md`.
`--train-only` trains (or finishes) the runs and measures nothing, so a short GPU lease can
train every variant first and measure after. `--extend-samples N` continues each variant's run
to N samples in `OUT/<variant>-<N>/` (a copy of its checkpoint; the same recipe, so the curve
goes on where the comparison stopped) and measures that; `--from-samples M` copies
`OUT/<variant>-<M>/` instead, and `--decay-samples D` makes the last D samples a cool-down (the
learning rates brought linearly to 0). `--max-minutes` bounds each training run; a run it stops
is reported with the samples it saw.
"""

from __future__ import annotations

import argparse
import copy
import json
import shutil
import time
from pathlib import Path

import torch

from adapters.encoder_config import EncoderTrainingConfig
from adapters.encoder_data import read_squad_items, split_articles
from adapters.encoder_eval import QaEvaluator, heldout_loss, sample_items
from adapters.encoder_trainer import train_encoder
from adapters.exceptions import TrainingConfigError
from eval.benchmarks.bench_encoder_probe import wrong_passages
from eval.metrics import f1_score
from hyperword.encoder import LEVEL_RATIOS, HyperwordEncoder
from hyperword.encoder.config import ATTENTION_PROJECTIONS, MLP_PROJECTIONS
from hyperword.models import load_base_model

RATIOS = tuple(LEVEL_RATIOS)  # ratio-4, scene (8), ratio-16, ratio-32, concept (64)
COMMON = {"levels": RATIOS, "shared_projector": True, "residual": True}
VARIANTS: dict[str, dict] = {
    # Today's design: frozen features of a middle layer (12 of 18) + input embeddings.
    "frozen-mid": {"feature_layer": 12},
    # The same, from the last layer's states (after the final norm).
    "frozen-last": {"feature_layer": -1},
    # Frozen middle-layer features read by a 2-layer bidirectional transformer before pooling.
    "frozen-mid-refiner": {"feature_layer": 12, "refiner_layers": 2},
    # Mean pooling of the last layer of a trainable encoder (a LoRA copy of the base model),
    # Feldman & Artzi 2025.
    "lora-last": {"feature_layer": -1, "encoder_lora_r": 16},
    # frozen-last pooling each window by a learned score per token instead of the mean.
    "frozen-last-attention": {"feature_layer": -1, "attention_pooling": True},
    # frozen-last with the decoder adapter on the MLP as well (2.6x its parameters).
    "frozen-last-mlp-lora": {
        "feature_layer": -1,
        "lora_targets": (*ATTENTION_PROJECTIONS, *MLP_PROJECTIONS),
    },
}
LEVEL_MIX = {
    "ratio-4": 0.15,
    "scene": 0.25,
    "ratio-16": 0.15,
    "ratio-32": 0.1,
    "concept": 0.2,
    "text": 0.15,
}


def run_name(variant: str, args) -> str:
    """The run's folder name under OUT: the variant, or `<variant>-<N>` when extended."""
    return f"{variant}-{args.extend_samples}" if args.extend_samples else variant


def extended_from(variant: str, args) -> str:
    """The run an extended one starts from (a copy of its checkpoint): the comparison's
    `<variant>`, or `<variant>-<M>` with `--from-samples M`."""
    return f"{variant}-{args.from_samples}" if args.from_samples else variant


def training_config(variant: str, args) -> EncoderTrainingConfig:
    """The run every variant shares, but for the encoder architecture."""
    data = Path(args.data_dir)
    steps = (args.extend_samples or args.samples) // args.batch_size
    return EncoderTrainingConfig(
        output_dir=str(Path(args.out) / run_name(variant, args)),
        squad=str(data / "squad-v1.1-dev-part1.json.gz"),
        nq=str(data / "nq-open-oracle.jsonl.gz"),
        text_corpus=str(data / "wikitext-2-raw-test.txt.gz"),
        qa_sources={"squad": 0.4, "nq": 0.3, "invented": 0.3},
        encoder={**COMMON, **VARIANTS[variant]},
        levels=LEVEL_MIX,
        objectives={"qa": 0.75, "autoencode": 0.15, "continuation": 0.1},
        pretrain_steps=args.samples // args.batch_size // 4,  # the same when extended
        max_context_tokens=256,
        max_target_tokens=24,
        steps=steps,
        batch_size=args.batch_size,
        lr_projector=1e-3,
        lr_lora=5e-4,
        warmup_steps=20,
        decay_steps=(args.decay_samples or 0) // args.batch_size,
        distill=args.distill,
        save_every=25,
        eval_every=10**9,
        seed=0,
        threads=args.threads,
        device=args.device,
        precision=args.precision,
        max_minutes=args.max_minutes,
    )


def measure(encoder_dir: Path, base, tokenizer, items, args) -> dict:
    """Probe gaps and F1 per level for the encoder in `encoder_dir`."""
    encoder = HyperwordEncoder.from_pretrained(
        encoder_dir, model=copy.deepcopy(base), tokenizer=tokenizer
    )
    levels = (*RATIOS, "text")
    probe_items = items[: args.probe_questions]
    wrong = wrong_passages(probe_items)
    gaps = {}
    for level in levels:
        right = heldout_loss(encoder, probe_items, level=level)
        other = heldout_loss(encoder, probe_items, level=level, contexts=wrong)
        gaps[level] = round(other - right, 3)
    f1 = QaEvaluator(items, f1_score, levels=levels)(encoder)
    return {"probe_gap": gaps, "f1": {k.removeprefix("f1_"): round(v, 1) for k, v in f1.items()}}


def run_variant(variant: str, base, tokenizer, items, args) -> dict | None:
    """Train (or resume) and measure one variant; `None` with `--train-only`."""
    out = Path(args.out) / run_name(variant, args)
    result_file = out / "result.json"
    if result_file.is_file():
        return json.loads(result_file.read_text())
    source = Path(args.out) / extended_from(variant, args)
    if args.extend_samples and not out.exists() and (source / "checkpoint").is_dir():
        out.mkdir(parents=True)
        for name in ("checkpoint", "training_config.json", "curve.json"):
            copy_file = shutil.copytree if (source / name).is_dir() else shutil.copyfile
            copy_file(source / name, out / name)
    config = training_config(variant, args)
    result = train_encoder(
        config, model=copy.deepcopy(base), tokenizer=tokenizer, progress=args.progress
    )
    if args.train_only:
        return None
    speed = [p["samples_per_second"] for p in result.curve if "samples_per_second" in p]
    began = time.perf_counter()
    row = {
        "variant": run_name(variant, args),
        "encoder": {**COMMON, **VARIANTS[variant]},
        "samples": result.steps * config.batch_size,
        "device": str(base.device),
        "samples_per_second": speed[-1] if speed else None,
        "samples_per_second_median": result.curve[-1].get("samples_per_second_median"),
        "train_loss_last": [p["loss"] for p in result.curve if "loss" in p][-1],
        **measure(result.encoder_dir, base, tokenizer, items, args),
        "questions": len(items),
        "probe_questions": min(len(items), args.probe_questions),
    }
    row["measure_seconds"] = round(time.perf_counter() - began, 1)
    result_file.write_text(json.dumps(row, indent=2) + "\n")
    return row


def markdown(rows: list[dict]) -> str:
    levels = (*RATIOS, "text")
    head = "| variant | samples | samples/s | " + " | ".join(f"gap {lv}" for lv in levels)
    head += " | " + " | ".join(f"F1 {lv}" for lv in levels) + " |"
    lines = [head, "|---|" + "---:|" * (2 + 2 * len(levels))]
    for row in rows:
        gaps = " | ".join(f"{row['probe_gap'][lv]:.2f}" for lv in levels)
        f1 = " | ".join(f"{row['f1'][lv]:.1f}" for lv in levels)
        speed = f"{row['samples_per_second']:.2f} ({row.get('device', 'cpu')})"
        lines.append(f"| {row['variant']} | {row['samples']} | {speed} | {gaps} | {f1} |")
    return "\n".join(lines) + "\n"


def best_variant(out: str | Path) -> str:
    """The measured variant of `out` with the highest soft-level F1 (summed); `frozen-mid`
    when none is measured yet. Extended runs (`<variant>-<N>`) are not candidates."""
    rows = [json.loads(f.read_text()) for f in Path(out).glob("*/result.json")]
    rows = [row for row in rows if row["variant"] in VARIANTS]
    if not rows:
        return "frozen-mid"
    return max(rows, key=lambda row: sum(row["f1"][level] for level in RATIOS))["variant"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir")
    parser.add_argument("--best", action="store_true", help="print the best variant under --out")
    parser.add_argument("--out", default="runs/compressor")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--samples", type=int, default=1600)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--probe-questions", type=int, default=48)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--device", default=None, help="cuda, cpu (default: the loader's)")
    parser.add_argument("--precision", default="fp32", choices=("fp32", "bf16"))
    parser.add_argument("--max-minutes", type=float, default=None)
    parser.add_argument("--train-only", action="store_true")
    parser.add_argument("--extend-samples", type=int, default=None)
    parser.add_argument(
        "--from-samples", type=int, default=None, help="extend OUT/<variant>-<M>, not OUT/<variant>"
    )
    parser.add_argument(
        "--decay-samples",
        type=int,
        default=None,
        help="the last N samples bring the learning rates linearly down to 0 (a cool-down)",
    )
    parser.add_argument(
        "--distill",
        type=float,
        default=0.0,
        help="self-distillation weight (EncoderTrainingConfig.distill) for every variant; "
        "compare against runs without it in another --out",
    )
    parser.add_argument("--no-progress", dest="progress", action="store_false")
    args = parser.parse_args(argv)
    if args.best:
        print(best_variant(args.out))
        return
    if not args.data_dir:
        parser.error("--data-dir is required")
    unknown = [v for v in args.variants.split(",") if v not in VARIANTS]
    if unknown:
        parser.error(f"unknown variants {unknown}; choose from {list(VARIANTS)}")
    if args.from_samples and not args.extend_samples:
        parser.error("--from-samples extends a run: give --extend-samples too")
    for name in args.variants.split(",") if args.from_samples else ():
        source = Path(args.out) / extended_from(name, args)
        started = (Path(args.out) / run_name(name, args)).exists()
        if not started and not (source / "checkpoint").is_dir():
            parser.error(f"--from-samples {args.from_samples}: {source} holds no checkpoint")
    for name in args.variants.split(","):
        try:
            training_config(name, args)  # every run's settings checked before the model loads
        except TrainingConfigError as error:
            parser.error(str(error))
    if args.threads:
        torch.set_num_threads(args.threads)
    _, heldout = split_articles(Path(args.data_dir) / "squad-v1.1-dev-part1.json.gz", 4)
    items = sample_items(read_squad_items(heldout), args.questions, seed=0)
    base, tokenizer = load_base_model("gemma-3-270m", device=args.device)
    rows = []
    for name in args.variants.split(","):
        row = run_variant(name, base, tokenizer, items, args)
        if row is not None:
            rows.append(row)
            print(f"{row['variant']}: {json.dumps(row)}", flush=True)
    if args.train_only:
        return
    rows = [json.loads(f.read_text()) for f in sorted(Path(args.out).glob("*/result.json"))]
    Path(args.out, "results.json").write_text(json.dumps(rows, indent=2) + "\n")
    table = markdown(rows)
    Path(args.out, "results.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
