"""How often the orchestrator's excerpt scoring puts the answer's sentence first (SQuAD).

    python -m eval.benchmarks.bench_focus \
        --squad ../shared/data/squad-v1.1-dev-part1.json.gz --limit 300

For a seeded uniform sample of questions, each paragraph is split into sentences
(`orchestrator.extractive.split_sentences`) and scored against the question three ways: cosine
similarity alone (the store's MiniLM embedder), word overlap alone, and their sum (what
`SentenceScorer` uses, `LEXICAL_WEIGHT`). A question counts when the top sentence holds its first
gold answer; questions whose answer spans a sentence break, or whose paragraph is one
sentence, are left out (their count is printed).
"""

from __future__ import annotations

import argparse

from eval.tasks.sampling import sample_examples
from eval.tasks.squad import load_squad
from orchestrator.extractive import (
    LEXICAL_WEIGHT,
    SentenceScorer,
    content_words,
    split_sentences,
    word_overlap,
)

__all__ = ["SCORINGS", "main", "top_sentence_accuracy"]

# name -> lexical weight; `None` scores by word overlap alone (cosine only breaks ties)
SCORINGS: dict[str, float | None] = {
    "cosine": 0.0,
    "word overlap": None,
    f"cosine + {LEXICAL_WEIGHT:g} x overlap (SentenceScorer)": LEXICAL_WEIGHT,
}


def top_sentence_accuracy(examples, embed) -> tuple[dict[str, float], int, int]:
    """Per scoring, the share of counted questions whose top sentence holds the answer.

    Returns:
        `(accuracy per scoring, questions counted, questions left out)`.
    """
    hits = dict.fromkeys(SCORINGS, 0)
    counted = left_out = 0
    for example in examples:
        sentences = split_sentences(example.context)
        gold = {i for i, s in enumerate(sentences) if example.answers[0] in s}
        if not gold or len(sentences) < 2:
            left_out += 1
            continue
        counted += 1
        cosine = SentenceScorer(example.question, embed, lexical_weight=0.0).scored(example.context)
        question_words = content_words(example.question)
        pairs = [(c, word_overlap(question_words, sentence)) for sentence, c in cosine]
        for name, weight in SCORINGS.items():
            if weight is None:  # word overlap alone, cosine a tiny tie-breaker
                scores = [overlap + 1e-3 * c for c, overlap in pairs]
            else:
                scores = [c + weight * overlap for c, overlap in pairs]
            hits[name] += max(range(len(scores)), key=scores.__getitem__) in gold
    accuracy = {name: hits[name] / counted if counted else 0.0 for name in SCORINGS}
    return accuracy, counted, left_out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", required=True, help="SQuAD v1.1 file (.json or .json.gz).")
    parser.add_argument("--limit", type=int, default=300, help="Questions (seeded sample).")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    from hyperword.models import load_embedder

    embedder = load_embedder()

    def embed(texts):
        return embedder.encode(list(texts), normalize_embeddings=True, convert_to_numpy=True)

    examples = sample_examples(load_squad(args.squad), args.limit, seed=args.seed)
    accuracy, counted, left_out = top_sentence_accuracy(examples, embed)
    print(f"{counted} questions counted, {left_out} left out (answer across sentences or one)")
    print("| scoring | answer sentence ranked first |")
    print("|---|---:|")
    for name, share in accuracy.items():
        print(f"| {name} | {100 * share:.1f}% |")


if __name__ == "__main__":
    main()
