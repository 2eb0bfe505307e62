"""`hotpotqa`: multi-hop questions over a handful of Wikipedia paragraphs.

Two layouts, detected from the file's first character:

- official (a JSON list): `[{"_id", "question", "answer", "context": [[title, [sentence, ...]],
  ...], "supporting_facts": [[title, sentence_index], ...]}]`;
- IRCoT (JSON lines): `{"question_id", "question_text", "answers_objects": [{"spans": [...]}],
  "contexts": [{"title", "paragraph_text", "is_supporting"?}]}`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from eval.exceptions import EvalError
from eval.tasks.base import Example, register_task
from eval.tasks.reading import (
    check_options,
    dedupe,
    iter_jsonl,
    read_json,
    require_file,
    require_keys,
)
from hyperword.text_files import TextFileError, iter_text

__all__ = ["HOTPOT_LAYOUT", "IRCOT_LAYOUT", "load_hotpotqa"]

HOTPOT_LAYOUT = (
    "HotpotQA JSON list: [{'_id', 'question', 'answer', 'context': [[title, [sentences]]], "
    "'supporting_facts': [[title, index]]}]"
)
IRCOT_LAYOUT = (
    "IRCoT JSON lines: {'question_id', 'question_text', 'answers_objects': [{'spans'}], "
    "'contexts': [{'title', 'paragraph_text', 'is_supporting'}]}"
)
_EITHER = f"{HOTPOT_LAYOUT}, or {IRCOT_LAYOUT}"


@register_task("hotpotqa")
def load_hotpotqa(
    path: str | Path | None,
    *,
    seed: int = 0,
    ids: Iterable[str] | None = None,
    **unknown,
) -> list[Example]:
    """One example per question; documents are its context paragraphs in the file's order.

    Args:
        path: HotpotQA file in the official JSON layout or the IRCoT JSON-lines layout,
            plain or `.gz`.
        seed: Unused (the file fixes the order); accepted like every loader.
        ids: Keep only these question ids (e.g. a benchmark's held-out part); None: all.

    Returns:
        Examples in file order; `gold_titles` are the supporting paragraphs' titles.

    Raises:
        EvalError: the file is missing or in neither layout, or `ids` names a question the
            file does not have.
    """
    check_options("hotpotqa", unknown, ("seed", "ids"))
    path = require_file("hotpotqa", path)
    examples = _load(path)
    if ids is None:
        return examples
    wanted = set(ids)
    missing = sorted(wanted - {example.id for example in examples})
    if missing:
        raise EvalError(f"task 'hotpotqa': {path} has no question {', '.join(missing[:5])}")
    return [example for example in examples if example.id in wanted]


def _load(path: Path) -> list[Example]:
    first = _first_character(path)
    if first == "[":
        return _load_official(path)
    if first == "{":
        return _load_ircot(path)
    if first == "":
        raise EvalError(f"task 'hotpotqa': {path} is empty; expected {_EITHER}")
    raise EvalError(f"task 'hotpotqa': {path} is neither layout; expected {_EITHER}")


def _first_character(path: Path) -> str:
    try:
        for piece in iter_text(path):
            if piece.strip():
                return piece.lstrip()[0]
    except (TextFileError, OSError) as error:
        raise EvalError(f"task 'hotpotqa': cannot read {path}: {error}") from None
    return ""


def _load_official(path: Path) -> list[Example]:
    records = read_json("hotpotqa", path, layout=HOTPOT_LAYOUT)
    if not records:
        raise EvalError(f"task 'hotpotqa': {path} has no questions")
    examples = []
    for i, record in enumerate(records):
        where = f"{path} [{i}]"
        require_keys(
            "hotpotqa",
            record,
            ("_id", "question", "answer", "context"),
            where=where,
            layout=HOTPOT_LAYOUT,
        )
        documents = []
        for item in record["context"]:
            if not (isinstance(item, list) and len(item) == 2 and isinstance(item[1], list)):
                raise EvalError(
                    f"task 'hotpotqa': {where} context item {item!r:.80} is not "
                    f"[title, [sentences]]; expected {HOTPOT_LAYOUT}"
                )
            title, sentences = item
            documents.append((title, _join_sentences(sentences)))
        supporting = dedupe(fact[0] for fact in record.get("supporting_facts", ()))
        examples.append(
            Example(
                id=str(record["_id"]),
                question=record["question"].strip(),
                answers=dedupe([str(record["answer"])]),
                documents=tuple(documents),
                gold_titles=supporting,
                meta={key: record[key] for key in ("type", "level") if key in record},
            )
        )
    return examples


def _load_ircot(path: Path) -> list[Example]:
    examples = []
    for number, record in iter_jsonl("hotpotqa", path, layout=IRCOT_LAYOUT):
        where = f"{path} line {number}"
        require_keys(
            "hotpotqa",
            record,
            ("question_id", "question_text", "answers_objects", "contexts"),
            where=where,
            layout=IRCOT_LAYOUT,
        )
        documents = []
        gold = []
        for context in record["contexts"]:
            require_keys(
                "hotpotqa",
                context,
                ("title", "paragraph_text"),
                where=f"{where} contexts",
                layout=IRCOT_LAYOUT,
            )
            documents.append((context["title"], context["paragraph_text"].strip()))
            if context.get("is_supporting"):
                gold.append(context["title"])
        examples.append(
            Example(
                id=str(record["question_id"]),
                question=record["question_text"].strip(),
                answers=_ircot_answers(record["answers_objects"]),
                documents=tuple(documents),
                gold_titles=dedupe(gold),
                meta={},
            )
        )
    return examples


def _ircot_answers(objects: list[dict[str, Any]]) -> tuple[str, ...]:
    texts = []
    for obj in objects:
        texts.extend(str(span) for span in obj.get("spans", ()))
        if not obj.get("spans") and obj.get("number"):
            texts.append(str(obj["number"]))
    return dedupe(texts)


def _join_sentences(sentences: list[str]) -> str:
    return " ".join(sentence.strip() for sentence in sentences if sentence.strip())
