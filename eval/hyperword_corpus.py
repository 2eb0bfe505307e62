"""The train / held-out split behind the shipped hyperword tokenizer and its benchmarks.

- train: WikiText-2 raw test, its first 80% of articles (49 of 62), plus the SQuAD v1.1 dev
  part-1 contexts of every article but the last 4 (20 of 24);
- held out: the other 13 WikiText articles (perplexity) and the last 4 SQuAD articles
  (perplexity on their contexts, F1 on their questions: `--task-option articles='"-4:"'`).

Run as a module it trains the shipped tokenizer (the command is in
`hyperword/data/tokenizers/gemma-3-270m/README.md`):

    python -m eval.hyperword_corpus --data-dir ../shared/data --vocab-size 32000 \
        --out hyperword/data/tokenizers/gemma-3-270m
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass
from pathlib import Path

from eval.benchmarks.bench_tokenizer import load_squad, load_wikitext

__all__ = ["HELD_OUT_SQUAD_ARTICLES", "CorpusSplit", "load_split", "main"]

WIKITEXT_FILE = "wikitext-2-raw-test.txt.gz"
SQUAD_FILE = "squad-v1.1-dev-part1.json.gz"
WIKITEXT_TRAIN_FRACTION = 0.8
HELD_OUT_SQUAD_ARTICLES = 4


@dataclass(frozen=True)
class CorpusSplit:
    """Documents (articles) for training and for held-out measurement."""

    wikitext_train: list[str]
    wikitext_test: list[str]
    squad_train: list[str]
    squad_test: list[str]

    @property
    def train(self) -> list[str]:
        return self.wikitext_train + self.squad_train


def load_split(data_dir: str | Path) -> CorpusSplit:
    """Read both corpora from `data_dir` and split them by article."""
    data_dir = Path(data_dir)
    wikitext = load_wikitext(data_dir / WIKITEXT_FILE)
    squad = load_squad(data_dir / SQUAD_FILE)
    cut = int(len(wikitext) * WIKITEXT_TRAIN_FRACTION)
    return CorpusSplit(
        wikitext_train=wikitext[:cut],
        wikitext_test=wikitext[cut:],
        squad_train=squad[:-HELD_OUT_SQUAD_ARTICLES],
        squad_test=squad[-HELD_OUT_SQUAD_ARTICLES:],
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Train the shipped hyperword tokenizer.")
    parser.add_argument("--data-dir", required=True, help="Folder with the WikiText/SQuAD files.")
    parser.add_argument("--base", default="gemma-3-270m", help="Base model alias.")
    parser.add_argument("--vocab-size", type=int, default=32_000, help="Hyperword ids.")
    parser.add_argument("--out", required=True, help="Output folder.")
    args = parser.parse_args(argv)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

    from hyperword.tokenizer import HyperwordTokenizer
    from hyperword.tokenizer.base import resolve_base_tokenizer

    split = load_split(args.data_dir)
    start = time.perf_counter()
    base = resolve_base_tokenizer(args.base)
    tokenizer = HyperwordTokenizer.train(split.train, base, num_hyperwords=args.vocab_size)
    tokenizer.save_pretrained(args.out)
    print(
        f"trained {tokenizer.num_hyperwords} hyperwords on {len(split.train)} articles in "
        f"{time.perf_counter() - start:.1f} s; fingerprint {tokenizer.fingerprint[:16]}; "
        f"saved to {args.out}"
    )


if __name__ == "__main__":
    main()
