"""Retrieval quality by search mode: recall@k of dense, lexical and hybrid search.

    python -m eval.benchmarks.bench_retrieval \
        --squad ../shared/data/squad-v1.1-dev-part1.json.gz \
        --hotpotqa ../shared/data/hotpotqa-dev-distractor-200.jsonl.gz \
        --limit 200 --out runs/bench-retrieval

Three sets, each question searched in every mode of `mnemonic.hybrid.SEARCH_MODES` in a
store of its own documents (real LanceDB + FAISS + the full-text index, chunks of 128
Gemma tokens, overlap 16, as the `rag-text` and `orchestrated` methods build them):

- `squad-distractor-K`: each SQuAD question's paragraph among K paragraphs of other
  articles (`--distractors`); recall@k = the gold paragraph among the top k chunks;
- `hotpotqa`: the 10 paragraphs of each HotpotQA distractor question; recall@k = the share
  of its two supporting paragraphs among the top k chunks, and `both@k` = both of them;
- `names`: one store of `--names` generated records of one template ("In 1803 the inventor
  X of Y built a clock that runs on Z juice."), asked "Which inventor built a clock that
  runs on Z juice?" for the first `--name-questions`; recall@k = the record among the top k.

Writes `DIR/retrieval.json` and `DIR/retrieval.md` (a table: set, mode, n, recall@1, @3, @5,
@10, both@k where it applies).
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from eval.tasks import get_task, sample_examples
from mnemonic.hybrid import SEARCH_MODES

__all__ = ["RecallRow", "main", "name_records", "recall_rows"]

KS = (1, 3, 5, 10)
SYLLABLES = ["ka", "lo", "mi", "ru", "ze", "ta", "vo", "ni", "su", "pe", "dra", "gol", "fen"]
TEMPLATE = "In 1803 the inventor {x} of {y} built a clock that runs on {z} juice."
QUESTION = "Which inventor built a clock that runs on {z} juice?"


@dataclass
class RecallRow:
    """Recall of one search mode on one set."""

    set: str
    mode: str
    n: int = 0
    recall: dict[int, float] = field(default_factory=dict)  # k -> mean share of gold found
    both: dict[int, float] = field(default_factory=dict)  # k -> share with every gold found

    def add(self, ranked_docs: list[str], gold: set[str]) -> None:
        self.n += 1
        for k in KS:
            found = gold & set(ranked_docs[:k])
            self.recall[k] = self.recall.get(k, 0.0) + len(found) / len(gold)
            self.both[k] = self.both.get(k, 0.0) + float(found == gold)

    def means(self) -> RecallRow:
        n = max(self.n, 1)
        return RecallRow(
            self.set,
            self.mode,
            self.n,
            {k: v / n for k, v in self.recall.items()},
            {k: v / n for k, v in self.both.items()},
        )


def name_records(n: int, seed: int = 0) -> list[tuple[str, str, str]]:
    """`n` (inventor, town, fruit) triples of invented names, every name distinct."""
    rng = random.Random(seed)
    seen: set[str] = set()
    records: list[tuple[str, str, str]] = []
    while len(records) < n:
        names = ["".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize() for _ in range(3)]
        if len(set(names)) == 3 and not seen & set(names):
            seen |= set(names)
            records.append((names[0], names[1], names[2]))
    return records


def _store(folder: Path, tokenizer, embedder):
    from mnemonic import ChunkingConfig, MnemonicStore

    chunking = ChunkingConfig(chunk_tokens=128, overlap_tokens=16)
    return MnemonicStore(folder, tokenizer=tokenizer, embedder=embedder, chunking=chunking)


def recall_rows(label: str, examples, tokenizer, embedder, workdir: Path) -> list[RecallRow]:
    """Recall@k per mode over `examples` (each in a store of its own documents)."""
    rows = {mode: RecallRow(label, mode) for mode in SEARCH_MODES}
    for i, example in enumerate(examples):
        store = _store(workdir / f"{label}-{i}", tokenizer, embedder)
        store.add_documents({"doc_id": t, "text": x} for t, x in example.documents)
        gold = set(example.gold_titles)
        for mode, row in rows.items():
            hits = store.search(example.question, k=max(KS), mode=mode)
            row.add(list(dict.fromkeys(hit.doc_id for hit in hits)), gold)
    return [row.means() for row in rows.values()]


def name_rows(n: int, questions: int, tokenizer, embedder, workdir: Path) -> list[RecallRow]:
    """Recall@k per mode on the generated name-lookup set."""
    records = name_records(n)
    store = _store(workdir / "names", tokenizer, embedder)
    store.add_documents(
        {"doc_id": f"r{i}", "text": TEMPLATE.format(x=x, y=y, z=z)}
        for i, (x, y, z) in enumerate(records)
    )
    rows = {mode: RecallRow("names", mode) for mode in SEARCH_MODES}
    for i, (_, _, z) in enumerate(records[:questions]):
        for mode, row in rows.items():
            hits = store.search(QUESTION.format(z=z), k=max(KS), mode=mode)
            row.add([hit.doc_id for hit in hits], {f"r{i}"})
    return [row.means() for row in rows.values()]


def format_table(rows: list[RecallRow]) -> str:
    header = "| set | mode | n | " + " | ".join(f"recall@{k}" for k in KS)
    header += " | " + " | ".join(f"both@{k}" for k in KS) + " |"
    lines = [header, "|" + "---|" * 3 + "---:|" * (2 * len(KS))]
    for row in rows:
        cells = [f"{100 * row.recall[k]:.1f}" for k in KS]
        cells += [f"{100 * row.both[k]:.1f}" for k in KS]
        lines.append(f"| {row.set} | {row.mode} | {row.n} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", default=None, help="SQuAD v1.1 file (.json or .json.gz).")
    parser.add_argument("--distractors", type=int, default=20)
    parser.add_argument("--hotpotqa", default=None, help="HotpotQA file (either layout).")
    parser.add_argument("--limit", type=int, default=200, help="Questions per set (seeded).")
    parser.add_argument("--names", type=int, default=300, help="Generated name records.")
    parser.add_argument("--name-questions", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    from hyperword.models import DEFAULT_MODEL, load_embedder, load_tokenizer

    tokenizer, embedder = load_tokenizer(DEFAULT_MODEL), load_embedder()
    rows: list[RecallRow] = []
    with tempfile.TemporaryDirectory(prefix="bench-retrieval-") as tmp:
        work = Path(tmp)
        sets = []
        if args.squad:
            options = {"distractors": args.distractors}
            label = f"squad-distractor-{args.distractors}"
            sets.append((label, "squad-distractor", args.squad, options))
        if args.hotpotqa:
            sets.append(("hotpotqa", "hotpotqa", args.hotpotqa, {}))
        for label, task, data, options in sets:
            examples = get_task(task)(data, seed=args.seed, **options)
            examples = sample_examples(examples, limit=args.limit, seed=args.seed)
            rows += recall_rows(label, examples, tokenizer, embedder, work)
            print(format_table(rows), flush=True)
        rows += name_rows(args.names, args.name_questions, tokenizer, embedder, work)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "retrieval.json").write_text(
        json.dumps({"args": vars(args) | {"out": str(args.out)}, "rows": [asdict(r) for r in rows]})
    )
    (args.out / "retrieval.md").write_text(format_table(rows) + "\n")
    print(format_table(rows))


if __name__ == "__main__":
    main()
