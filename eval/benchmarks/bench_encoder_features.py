"""Which frozen features should the encoder pool? Short same-data runs, held-out answer loss.

    python -m eval.benchmarks.bench_encoder_features \
        --squad ../shared/data/squad-v1.1-dev-part1.json.gz

Each variant trains a fresh scene-level encoder on the QA objective for the same steps and the
same batches (same seed), then reports the teacher-forced loss of the gold answers of held-out
questions (the last 4 SQuAD articles) with the passage as scene tokens, and the time per step.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from adapters.encoder_config import EncoderTrainingConfig
from adapters.encoder_data import read_squad_items, split_articles
from adapters.encoder_eval import heldout_loss, sample_items
from adapters.encoder_trainer import train_encoder
from hyperword.encoder import HyperwordEncoder
from hyperword.models import load_base_model

VARIANTS = {
    "hidden+embedding": ("hidden", "embedding"),
    "embedding": ("embedding",),
    "hidden": ("hidden",),
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", required=True)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--questions", type=int, default=48)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--out", default="runs/encoder-features")
    args = parser.parse_args(argv)
    _, heldout = split_articles(args.squad, 4)
    items = sample_items(read_squad_items(heldout), args.questions, seed=0)
    rows = []
    for name in args.variants.split(","):
        model, tokenizer = load_base_model("gemma-3-270m")
        config = EncoderTrainingConfig(
            output_dir=str(Path(args.out) / name),
            squad=args.squad,
            encoder={"features": VARIANTS[name], "residual": "embedding" in VARIANTS[name]},
            levels={"scene": 1.0},
            objectives={"qa": 1.0},
            steps=args.steps,
            save_every=args.steps,
            eval_every=10**9,
        )
        began = time.perf_counter()
        result = train_encoder(config, model=model, tokenizer=tokenizer, progress=True)
        per_step = (time.perf_counter() - began) / max(1, args.steps - result.resumed_from)
        base, tokenizer = load_base_model("gemma-3-270m")
        encoder = HyperwordEncoder.from_pretrained(
            result.encoder_dir, model=base, tokenizer=tokenizer
        )
        loss = heldout_loss(encoder, items, level="scene")
        last = [p["loss"] for p in result.curve if "loss" in p][-3:]
        rows.append((name, loss, sum(last) / len(last), per_step))
        print(f"{name}: held-out loss {loss:.3f}", flush=True)
    print(
        f"\n{args.steps} steps x batch 4, scene level, QA objective; "
        f"{len(items)} held-out questions\n"
    )
    print("| features | held-out answer loss | train loss (last 30 steps) | s/step |")
    print("|---|---:|---:|---:|")
    for name, loss, train_loss, per_step in rows:
        print(f"| {name} | {loss:.3f} | {train_loss:.3f} | {per_step:.1f} |")


if __name__ == "__main__":
    main()
