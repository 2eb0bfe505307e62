"""`squad-distractor`: each SQuAD question's paragraph hidden among paragraphs of other articles.

The answer can then sit anywhere in a long context, and retrieval has something to get wrong.
Same file layout as `squad`.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from eval.exceptions import EvalError
from eval.tasks.base import Example, register_task
from eval.tasks.reading import check_options
from eval.tasks.squad import (
    ArticleSelection,
    SquadParagraph,
    check_per_paragraph,
    pick_questions,
    read_squad,
    select_articles,
)

__all__ = ["MAX_DISTRACTORS", "load_squad_distractor", "paragraph_title"]

MAX_DISTRACTORS = 50


def paragraph_title(paragraph: SquadParagraph) -> str:
    """A title unique to each paragraph: `"{article} #{paragraph_index}"`."""
    return f"{paragraph.article} #{paragraph.index}"


@register_task("squad-distractor")
def load_squad_distractor(
    path: str | Path | None,
    *,
    seed: int = 0,
    distractors: int = 20,
    articles: ArticleSelection = None,
    questions_per_paragraph: int | None = None,
    **unknown,
) -> list[Example]:
    """One example per SQuAD question, its paragraph shuffled among `distractors` others.

    Distractors come from the *other* selected articles, so none of them answers the question.
    Each question gets its own RNG, seeded by `(seed, question id)`: an example does not
    change when other articles or questions are added or left out.

    Args:
        path: SQuAD v1.1 JSON file, plain or `.gz`.
        seed: Seeds the choice and order of distractors (and of questions, see below).
        distractors: Paragraphs from other articles added to each question's paragraph, 0-50.
        articles: Which articles to use, see `eval.tasks.squad.select_articles`.
        questions_per_paragraph: Keep at most this many questions per paragraph (seeded).

    Returns:
        Examples in file order. Document titles are `"{article} #{paragraph_index}"`;
        `gold_titles` holds the gold paragraph's title; `meta` has `article`,
        `paragraph_index`, `distractors` and `gold_position` (index in `documents`).

    Raises:
        EvalError: `distractors` is out of range, or the other articles have fewer paragraphs.
    """
    check_options(
        "squad-distractor",
        unknown,
        ("seed", "distractors", "articles", "questions_per_paragraph"),
    )
    _check_distractors(distractors)
    check_per_paragraph(questions_per_paragraph)
    chosen = select_articles(read_squad(path, task="squad-distractor"), articles)
    all_paragraphs = [p for article in chosen for p in article.paragraphs]
    examples = []
    for article in chosen:
        others = [p for p in all_paragraphs if p.article != article.title]
        if len(others) < distractors:
            raise EvalError(
                f"squad-distractor: {distractors} distractors asked, but the articles other "
                f"than '{article.title}' have only {len(others)} paragraphs; use fewer "
                "distractors or more articles"
            )
        for paragraph in article.paragraphs:
            for qa in pick_questions(paragraph, per_paragraph=questions_per_paragraph, seed=seed):
                examples.append(_example(qa, paragraph, others, distractors=distractors, seed=seed))
    return examples


def _check_distractors(distractors: object) -> None:
    if isinstance(distractors, bool) or not isinstance(distractors, int):
        raise EvalError(f"distractors must be an integer from 0 to 50, got {distractors!r}")
    if not 0 <= distractors <= MAX_DISTRACTORS:
        raise EvalError(
            f"distractors must be from 0 to {MAX_DISTRACTORS}, got {distractors}; "
            "a longer context belongs to a long-document task"
        )


def _example(
    qa: Any, paragraph: SquadParagraph, others: list[SquadParagraph], *, distractors: int, seed: int
) -> Example:
    """`qa` with its paragraph shuffled among `distractors` of `others` (its own RNG)."""
    rng = random.Random(f"{seed}:{qa.id}")
    picked = [*rng.sample(others, distractors), paragraph]
    rng.shuffle(picked)
    return Example(
        id=qa.id,
        question=qa.question,
        answers=qa.answers,
        documents=tuple((paragraph_title(p), p.context) for p in picked),
        gold_titles=(paragraph_title(paragraph),),
        meta={
            "article": paragraph.article,
            "paragraph_index": paragraph.index,
            "distractors": distractors,
            "gold_position": picked.index(paragraph),
        },
    )
