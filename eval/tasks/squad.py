"""`squad`: SQuAD v1.1 questions, each with the paragraph it was written about.

Layout (official JSON, optionally gzipped)::

    {"data": [{"title": ..., "paragraphs": [{"context": ...,
               "qas": [{"id": ..., "question": ..., "answers": [{"text": ...}]}]}]}]}
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from eval.exceptions import EvalError
from eval.tasks.base import Example, register_task
from eval.tasks.reading import check_options, dedupe, read_json, require_file, require_keys

__all__ = [
    "SQUAD_LAYOUT",
    "SquadArticle",
    "SquadParagraph",
    "SquadQuestion",
    "load_squad",
    "read_squad",
    "select_articles",
]

SQUAD_LAYOUT = (
    "SQuAD v1.1 JSON: {'data': [{'title', 'paragraphs': [{'context', "
    "'qas': [{'id', 'question', 'answers': [{'text'}]}]}]}]}"
)

ArticleSelection = slice | range | str | None


@dataclass(frozen=True)
class SquadQuestion:
    id: str
    question: str
    answers: tuple[str, ...]


@dataclass(frozen=True)
class SquadParagraph:
    article: str
    index: int
    context: str
    questions: tuple[SquadQuestion, ...]


@dataclass(frozen=True)
class SquadArticle:
    title: str
    paragraphs: tuple[SquadParagraph, ...]


def read_squad(path: str | Path | None, *, task: str = "squad") -> list[SquadArticle]:
    """Parse a SQuAD v1.1 file into articles, paragraphs and questions (answers deduplicated).

    Raises:
        EvalError: The file is missing, empty, or not in the SQuAD v1.1 layout.
    """
    path = require_file(task, path)
    root = read_json(task, path, layout=SQUAD_LAYOUT)
    require_keys(task, root, ("data",), where=f"{path}", layout=SQUAD_LAYOUT)
    if not isinstance(root["data"], list):
        raise EvalError(f"task '{task}': 'data' in {path} is not a list; expected {SQUAD_LAYOUT}")
    if not root["data"]:
        raise EvalError(f"task '{task}': {path} has no articles")
    articles = []
    for a, article in enumerate(root["data"]):
        where = f"{path} data[{a}]"
        require_keys(task, article, ("title", "paragraphs"), where=where, layout=SQUAD_LAYOUT)
        paragraphs = []
        for p, paragraph in enumerate(article["paragraphs"]):
            p_where = f"{where}.paragraphs[{p}]"
            require_keys(task, paragraph, ("context", "qas"), where=p_where, layout=SQUAD_LAYOUT)
            questions = []
            for q, qa in enumerate(paragraph["qas"]):
                q_where = f"{p_where}.qas[{q}]"
                require_keys(
                    task, qa, ("id", "question", "answers"), where=q_where, layout=SQUAD_LAYOUT
                )
                answers = dedupe(str(answer["text"]) for answer in qa["answers"])
                questions.append(SquadQuestion(str(qa["id"]), qa["question"].strip(), answers))
            paragraphs.append(
                SquadParagraph(article["title"], p, paragraph["context"], tuple(questions))
            )
        articles.append(SquadArticle(article["title"], tuple(paragraphs)))
    return articles


def select_articles(
    articles: list[SquadArticle], selection: ArticleSelection
) -> list[SquadArticle]:
    """Keep the articles picked by `selection`, in file order.

    Args:
        articles: All articles of the file.
        selection: `None` (all), a `slice` or `range` over article positions, or the same
            as a string in slice syntax: `":-4"` (all but the last 4, e.g. for training),
            `"-4:"` (the last 4, held out for evaluation), `"0:10"`.

    Raises:
        EvalError: The selection is malformed or picks no article.
    """
    if selection is None:
        return list(articles)
    if isinstance(selection, str):
        selection = _parse_slice(selection)
    if isinstance(selection, range):
        chosen = [articles[i] for i in selection if -len(articles) <= i < len(articles)]
    elif isinstance(selection, slice):
        chosen = articles[selection]
    else:
        raise EvalError(
            f"articles must be None, a slice, a range or a string like ':-4', got {selection!r}"
        )
    if not chosen:
        raise EvalError(f"articles={selection!r} selects none of the {len(articles)} articles")
    return chosen


def _parse_slice(text: str) -> slice:
    parts = text.split(":")
    if len(parts) not in (2, 3):
        raise EvalError(f"articles must look like 'start:stop' (e.g. ':-4' or '-4:'), got {text!r}")
    try:
        bounds = [int(part) if part.strip() else None for part in parts]
    except ValueError:
        raise EvalError(
            f"articles must look like 'start:stop' (e.g. ':-4' or '-4:'), got {text!r}"
        ) from None
    return slice(*bounds)


def pick_questions(
    paragraph: SquadParagraph, *, per_paragraph: int | None, seed: int
) -> tuple[SquadQuestion, ...]:
    """All questions of a paragraph, or `per_paragraph` of them drawn uniformly (seeded)."""
    if per_paragraph is None or per_paragraph >= len(paragraph.questions):
        return paragraph.questions
    rng = random.Random(f"{seed}:{paragraph.article}:{paragraph.index}")
    keep = sorted(rng.sample(range(len(paragraph.questions)), per_paragraph))
    return tuple(paragraph.questions[i] for i in keep)


def check_per_paragraph(value: int | None) -> None:
    """Validate the `questions_per_paragraph` option."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise EvalError(f"questions_per_paragraph must be None or an integer >= 1, got {value!r}")


@register_task("squad")
def load_squad(
    path: str | Path | None,
    *,
    seed: int = 0,
    articles: ArticleSelection = None,
    questions_per_paragraph: int | None = None,
    **unknown,
) -> list[Example]:
    """One example per SQuAD question; its only document is its own paragraph.

    Args:
        path: SQuAD v1.1 JSON file, plain or `.gz`.
        seed: Seeds the choice of questions when `questions_per_paragraph` is set.
        articles: Which articles to use, see `select_articles` (e.g. `"-4:"`, the last 4).
        questions_per_paragraph: Keep at most this many questions per paragraph, drawn
            uniformly at random (seeded) rather than the first ones, which are biased towards
            the paragraph's opening.

    Returns:
        Examples in file order; `meta` has `article` and `paragraph_index`.
    """
    check_options("squad", unknown, ("seed", "articles", "questions_per_paragraph"))
    check_per_paragraph(questions_per_paragraph)
    examples = []
    for article in select_articles(read_squad(path), articles):
        for paragraph in article.paragraphs:
            for qa in pick_questions(paragraph, per_paragraph=questions_per_paragraph, seed=seed):
                examples.append(
                    Example(
                        id=qa.id,
                        question=qa.question,
                        answers=qa.answers,
                        documents=((article.title, paragraph.context),),
                        gold_titles=(article.title,),
                        meta={"article": article.title, "paragraph_index": paragraph.index},
                    )
                )
    return examples
