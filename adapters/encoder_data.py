"""Training items for the encoder, built from the public layouts in `../shared/data`.

- SQuAD v1.1 JSON: one `QaItem` per question (its paragraph is the context); the last
  `heldout_articles` articles are kept out for evaluation.
- NQ-open jsonl (`{question, answers[], ctxs[{title, text}]}`): one `QaItem` per question,
  its first passage as the context.
- Plain text (WikiText raw, one paragraph per line, `= Title =` headings dropped): spans for
  the autoencoding and continuation objectives.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path

from adapters.exceptions import TrainingDataError

__all__ = ["QaItem", "read_nq_items", "read_squad_items", "read_text_spans", "split_articles"]


@dataclass(frozen=True)
class QaItem:
    """A question with its passage and gold answers (the first is the training target)."""

    context: str
    question: str
    answers: tuple[str, ...]
    article: str = ""


def _open(path: Path):
    if not path.is_file():
        raise TrainingDataError(f"training data {path} does not exist")
    opener = gzip.open if path.suffix == ".gz" else open
    return opener(path, "rt", encoding="utf-8")


def split_articles(path: str | Path, heldout_articles: int) -> tuple[list[dict], list[dict]]:
    """SQuAD articles as (training, held-out): the last `heldout_articles` are held out."""
    path = Path(path)
    try:
        with _open(path) as handle:
            articles = json.load(handle)["data"]
    except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError, EOFError) as error:
        raise TrainingDataError(f"{path} is not SQuAD v1.1 JSON: {error}") from None
    if heldout_articles < 0 or heldout_articles >= len(articles):
        raise TrainingDataError(
            f"cannot hold out {heldout_articles} of {len(articles)} articles in {path}"
        )
    cut = len(articles) - heldout_articles
    return articles[:cut], articles[cut:]


def read_squad_items(articles: list[dict]) -> list[QaItem]:
    """One `QaItem` per question with at least one answer."""
    items = []
    for article in articles:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                answers = tuple(dict.fromkeys(a["text"].strip() for a in qa["answers"]))
                if answers and answers[0]:
                    items.append(
                        QaItem(paragraph["context"], qa["question"], answers, article["title"])
                    )
    if not items:
        raise TrainingDataError("no questions with answers in the training articles")
    return items


def read_nq_items(path: str | Path, *, limit: int | None = None) -> list[QaItem]:
    """One `QaItem` per NQ-open line that has an answer and a passage."""
    items = []
    with _open(Path(path)) as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                question, answers, ctxs = row["question"], row["answers"], row["ctxs"]
            except (json.JSONDecodeError, KeyError, TypeError):
                raise TrainingDataError(
                    f"{path} line {number} is not {{question, answers, ctxs}} JSON"
                ) from None
            if answers and ctxs and ctxs[0].get("text"):
                items.append(
                    QaItem(ctxs[0]["text"], question, tuple(answers), ctxs[0].get("title", ""))
                )
            if limit is not None and len(items) >= limit:
                break
    if not items:
        raise TrainingDataError(f"{path} has no questions with answers and passages")
    return items


def read_text_spans(
    path: str | Path, *, min_words: int = 40, limit: int | None = None
) -> list[str]:
    """Paragraphs of a plain-text corpus with at least `min_words` words."""
    spans = []
    with _open(Path(path)) as handle:
        for line in handle:
            line = line.strip()
            if line.startswith("=") or len(line.split()) < min_words:
                continue
            spans.append(line)
            if limit is not None and len(spans) >= limit:
                break
    if not spans:
        raise TrainingDataError(f"{path} has no paragraphs of {min_words}+ words")
    return spans
