"""Benchmark of hyperword tokenizers: tokens per 1,000 words and encode speed vs the base.

Run: `python -m eval.benchmarks.bench_tokenizer --wikitext ../shared/data/wikitext-2-raw-test.txt.gz
--squad ../shared/data/squad-v1.1-dev-part1.json.gz`

In-domain, held out: each corpus is split by document, the first 80% of documents train the
hyperwords and the last 20% are measured (WikiText-2: articles, split at ` = Title = `
headings; SQuAD: articles, i.e. the last 20% of the file's articles). For each vocabulary size
(extra ids) it trains:

- `bpe-merges`: the floor. HF `tokenizers` BPE over base ids (one character per id) and
  encoded with its own merges (the floor quoted in the project notes);
- `bpe`: the same merges as a vocabulary, encoded with fewest-token Viterbi (our encoder);
- `ngram`: frequent base-id n-grams pruned by usage (the default trainer), Viterbi-encoded.

Encode speed: base = `base_tokenizer(doc, add_special_tokens=False)`, hyperword =
`HyperwordTokenizer.encode(doc)` (base ids from the base tokenizer's Rust backend, then
Viterbi), one held-out document at a time, interleaved, best of 3.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["BenchRow", "load_squad", "load_wikitext", "main", "run_corpus"]

HEADING = re.compile(r"^ = [^=].* = $")


@dataclass(frozen=True)
class BenchRow:
    corpus: str
    method: str
    hyperwords: int
    words: int
    base_tokens: int
    tokens: int
    train_seconds: float
    base_chars_per_second: float
    chars_per_second: float

    @property
    def reduction(self) -> float:
        return 1.0 - self.tokens / self.base_tokens

    @property
    def speed_ratio(self) -> float:
        return self.chars_per_second / self.base_chars_per_second


def _open_text(path: str | Path) -> str:
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return handle.read()


def load_wikitext(path: str | Path) -> list[str]:
    """WikiText-2 raw as articles (a top-level ` = Title = ` heading starts each)."""
    docs: list[list[str]] = [[]]
    for line in _open_text(path).split("\n"):
        if HEADING.match(line) and docs[-1]:
            docs.append([])
        docs[-1].append(line)
    return ["\n".join(doc) for doc in docs if any(line.strip() for line in doc)]


def load_squad(path: str | Path) -> list[str]:
    """SQuAD v1.1 as articles: each article's paragraph contexts joined by newlines."""
    data = json.loads(_open_text(path))["data"]
    return ["\n".join(p["context"] for p in article["paragraphs"]) for article in data]


def _speeds(base_encode, encode, docs: list[str], *, repeats: int = 3) -> tuple[float, float]:
    """Chars/s of two encoders, interleaved and best of `repeats` (the machine is shared)."""
    chars = sum(len(d) for d in docs)
    best = [float("inf"), float("inf")]
    for _ in range(repeats):
        for k, fn in enumerate((base_encode, encode)):
            start = time.perf_counter()
            for doc in docs:
                fn(doc)
            best[k] = min(best[k], time.perf_counter() - start)
    return chars / best[0], chars / best[1]


def _bpe_merges_count(train_lines: list[str], test_docs: list[str], base, size: int) -> int:
    """Tokens of the floor: BPE over id characters, encoded with its own merges."""
    from tokenizers import Tokenizer, models, trainers

    from hyperword.tokenizer.base import base_encode_batch
    from hyperword.tokenizer.training import id_to_char

    alphabet = sorted({c for line in train_lines for c in line})
    bpe = Tokenizer(models.BPE())
    trainer = trainers.BpeTrainer(
        vocab_size=len(alphabet) + size, initial_alphabet=alphabet, show_progress=False
    )
    bpe.train_from_iterator(train_lines, trainer=trainer)
    vocab = bpe.get_vocab()
    total = 0
    for ids in base_encode_batch(base, test_docs):
        chars = "".join(map(id_to_char, ids))
        unknown = sum(1 for c in chars if c not in vocab)  # ids unseen in training: 1 each
        total += len(bpe.encode(chars).ids) + unknown
    return total


def run_corpus(
    name: str, docs: list[str], base, sizes: list[int], methods: list[str]
) -> list[BenchRow]:
    """Train on the first 80% of `docs`, measure on the rest, for each method and size."""
    from hyperword.tokenizer import HyperwordTokenizer
    from hyperword.tokenizer.base import base_encode_batch
    from hyperword.tokenizer.tokenizer import split_lines
    from hyperword.tokenizer.training import id_to_char

    split = int(len(docs) * 0.8)
    train, test = docs[:split], docs[split:]
    words = sum(len(d.split()) for d in test)
    base_tokens = sum(len(ids) for ids in base_encode_batch(base, test))

    def base_encode(doc: str) -> list[int]:
        return base(doc, add_special_tokens=False)["input_ids"]

    print(
        f"# {name}: {len(docs)} documents, train on {split}, measure on {len(test)} "
        f"({words:,} words, {base_tokens:,} base tokens)",
        flush=True,
    )
    rows = []
    for size in sizes:
        for method in methods:
            start = time.perf_counter()
            if method == "bpe-merges":
                lines = [
                    "".join(map(id_to_char, ids))
                    for ids in base_encode_batch(base, split_lines(train))
                ]
                tokens = _bpe_merges_count(lines, test, base, size)
                seconds = time.perf_counter() - start
                base_speed = speed = float("nan")
            else:
                tok = HyperwordTokenizer.train(train, base, num_hyperwords=size, trainer=method)
                seconds = time.perf_counter() - start
                tokens = sum(len(ids) for ids in tok.encode_batch(test))
                base_speed, speed = _speeds(base_encode, tok.encode, test)
            row = BenchRow(
                name, method, size, words, base_tokens, tokens, seconds, base_speed, speed
            )
            rows.append(row)
            _print_row(row)
    return rows


def _print_header() -> None:
    print(
        f"{'corpus':<9} {'method':<11} {'extra ids':>9} {'base/1kw':>9} {'hyper/1kw':>9} "
        f"{'fewer':>7} {'train s':>8} {'base kch/s':>10} {'hyper kch/s':>11} {'speed':>6}"
    )


def _print_row(row: BenchRow) -> None:
    per_kw = 1000 / row.words
    if math.isnan(row.chars_per_second):  # the floor is only counted, not timed
        speeds = f"{'-':>10} {'-':>11} {'-':>6}"
    else:
        speeds = (
            f"{row.base_chars_per_second / 1e3:>10.0f} {row.chars_per_second / 1e3:>11.0f} "
            f"{row.speed_ratio:>5.2f}x"
        )
    print(
        f"{row.corpus:<9} {row.method:<11} {row.hyperwords:>9,} "
        f"{row.base_tokens * per_kw:>9.1f} {row.tokens * per_kw:>9.1f} "
        f"{row.reduction:>7.1%} {row.train_seconds:>8.1f} {speeds}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--wikitext", help="wikitext-2-raw-test.txt(.gz)")
    parser.add_argument("--squad", help="SQuAD v1.1 json(.gz)")
    parser.add_argument("--base", default="gemma-3-270m", help="Base tokenizer alias or folder.")
    parser.add_argument("--sizes", default="2000,8000,32000,64000,128000", help="Extra ids.")
    parser.add_argument("--methods", default="bpe-merges,bpe,ngram", help="Comma list.")
    args = parser.parse_args(argv)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

    from hyperword.tokenizer.base import resolve_base_tokenizer

    base = resolve_base_tokenizer(args.base)
    sizes = [int(s) for s in args.sizes.split(",")]
    methods = args.methods.split(",")
    corpora = []
    if args.wikitext:
        corpora.append(("wikitext", load_wikitext(args.wikitext)))
    if args.squad:
        corpora.append(("squad", load_squad(args.squad)))
    if not corpora:
        parser.error("give --wikitext and/or --squad")
    _print_header()
    for name, docs in corpora:
        run_corpus(name, docs, base, sizes, methods)


if __name__ == "__main__":
    main()
