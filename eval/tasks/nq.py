"""`nq`: Natural Questions (open) with retrieved or gold Wikipedia passages.

Layout (the "lost in the middle" release; JSON lines, optionally gzipped)::

    {"question": ..., "answers": [...], "ctxs": [{"title", "text", "isgold"?, "hasanswer"?}]}
"""

from __future__ import annotations

from pathlib import Path

from eval.exceptions import EvalError
from eval.tasks.base import Example, register_task
from eval.tasks.reading import check_options, dedupe, iter_jsonl, require_file, require_keys

__all__ = ["NQ_LAYOUT", "load_nq"]

NQ_LAYOUT = "NQ-open JSON lines: {'question', 'answers': [...], 'ctxs': [{'title', 'text'}]}"


@register_task("nq")
def load_nq(
    path: str | Path | None,
    *,
    seed: int = 0,
    max_documents: int | None = None,
    **unknown,
) -> list[Example]:
    """One example per line; documents are the line's passages in the file's order.

    Args:
        path: JSON-lines file, plain or `.gz`.
        seed: Unused (the file fixes the order); accepted like every loader.
        max_documents: Keep only the first this many passages of each question.

    Returns:
        Examples in file order, with ids `nq-{line number}`; `gold_titles` are the titles of
        the kept passages marked `isgold` (or, when no passage has that flag, `hasanswer`).
    """
    check_options("nq", unknown, ("seed", "max_documents"))
    if max_documents is not None and (
        isinstance(max_documents, bool) or not isinstance(max_documents, int) or max_documents < 1
    ):
        raise EvalError(f"max_documents must be None or an integer >= 1, got {max_documents!r}")
    path = require_file("nq", path)
    examples = []
    for number, record in iter_jsonl("nq", path, layout=NQ_LAYOUT):
        where = f"{path} line {number}"
        require_keys("nq", record, ("question", "answers", "ctxs"), where=where, layout=NQ_LAYOUT)
        contexts = record["ctxs"][:max_documents]
        for context in contexts:
            require_keys("nq", context, ("title", "text"), where=f"{where} ctxs", layout=NQ_LAYOUT)
        flag = "isgold" if any("isgold" in c for c in contexts) else "hasanswer"
        examples.append(
            Example(
                id=f"nq-{number}",
                question=record["question"].strip(),
                answers=dedupe(str(answer) for answer in record["answers"]),
                documents=tuple((c["title"], c["text"].strip()) for c in contexts),
                gold_titles=dedupe(c["title"] for c in contexts if c.get(flag)),
                meta={"line": number},
            )
        )
    return examples
