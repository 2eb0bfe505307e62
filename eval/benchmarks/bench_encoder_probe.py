"""Do the soft tokens carry the passage? Held-out answer loss, right passage against a wrong one.

    python -m eval.benchmarks.bench_encoder_probe \\
        --squad ../shared/data/squad-v1.1-dev-part1.json.gz [--encoder DIR]

For questions of the held-out SQuAD articles (the last 4; uniform, seeded), the teacher-forced
loss of the gold answer through the trained decoder, with the passage at each level: the
question's own passage, and another question's passage (from another paragraph). The gap
(wrong - right, in nats per answer) is what the level's tokens tell the decoder about this
passage; 0 means they carry nothing it can use. `text` is the passage verbatim through the
same decoder, the ceiling.
"""

from __future__ import annotations

import argparse
import random

from adapters.encoder_data import read_squad_items, split_articles
from adapters.encoder_eval import heldout_loss, sample_items
from hyperword.encoder import HyperwordEncoder


def wrong_passages(items, *, seed: int = 0) -> list[str]:
    """For each item, the passage of another item whose passage differs (seeded)."""
    rng = random.Random(seed)
    wrong = []
    for item in items:
        others = [other.context for other in items if other.context != item.context]
        if not others:
            raise ValueError("every question shares one passage: nothing to swap in")
        wrong.append(rng.choice(others))
    return wrong


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", required=True)
    parser.add_argument("--encoder", default=None, help="an encoder folder (default: shipped)")
    parser.add_argument("--questions", type=int, default=48)
    parser.add_argument("--levels", default="text,scene,concept")
    args = parser.parse_args(argv)
    _, heldout = split_articles(args.squad, 4)
    items = sample_items(read_squad_items(heldout), args.questions, seed=0)
    wrong = wrong_passages(items)
    encoder = HyperwordEncoder.from_pretrained(args.encoder)
    print(f"{len(items)} held-out questions; answer loss in nats (lower is better)\n")
    print("| level | right passage | wrong passage | gap |")
    print("|---|---:|---:|---:|")
    for level in args.levels.split(","):
        right = heldout_loss(encoder, items, level=level)
        other = heldout_loss(encoder, items, level=level, contexts=wrong)
        print(f"| {level} | {right:.3f} | {other:.3f} | {other - right:+.3f} |", flush=True)


if __name__ == "__main__":
    main()
