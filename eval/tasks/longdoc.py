"""`longdoc`: questions over one long document per line (L-Eval and LongBench layouts).

JSON lines, optionally gzipped; the layout is detected per line:

- L-Eval: `{"input": document, "instructions": [question, ...], "outputs": [answer, ...]}`,
  one example per instruction;
- LongBench: `{"context": document, "input": question, "answers": [...], "_id"?}`,
  one example.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eval.exceptions import EvalError
from eval.tasks.base import Example, register_task
from eval.tasks.reading import check_options, dedupe, iter_jsonl, require_file, require_keys

__all__ = ["LEVAL_LAYOUT", "LONGBENCH_LAYOUT", "load_longdoc"]

LEVAL_LAYOUT = "L-Eval: {'input', 'instructions': [...], 'outputs': [...]}"
LONGBENCH_LAYOUT = "LongBench: {'context', 'input', 'answers': [...]}"
_EITHER = f"JSON lines in the {LEVAL_LAYOUT} or {LONGBENCH_LAYOUT} layout"


@register_task("longdoc")
def load_longdoc(path: str | Path | None, *, seed: int = 0, **unknown) -> list[Example]:
    """Examples whose single document is a line's long text.

    Args:
        path: JSON-lines file, plain or `.gz`; lines may mix the two layouts.
        seed: Unused (the file fixes the order); accepted like every loader.

    Returns:
        Examples in file order. Ids are the line's `_id` (LongBench) or
        `longdoc-{line}-{instruction index}` (L-Eval); the document title is the line's
        `title` when it has one, else `document {line}`. `meta` has `line` and `layout`.
    """
    check_options("longdoc", unknown, ("seed",))
    path = require_file("longdoc", path)
    examples: list[Example] = []
    for number, record in iter_jsonl("longdoc", path, layout=_EITHER):
        where = f"{path} line {number}"
        title = str(record.get("title") or f"document {number}")
        if "instructions" in record:
            examples.extend(_leval(record, number, title, where))
        elif "context" in record:
            require_keys(
                "longdoc", record, ("input", "answers"), where=where, layout=LONGBENCH_LAYOUT
            )
            examples.append(
                Example(
                    id=str(record.get("_id") or f"longdoc-{number}"),
                    question=record["input"].strip(),
                    answers=_answers(record["answers"]),
                    documents=((title, record["context"]),),
                    gold_titles=(title,),
                    meta={"line": number, "layout": "longbench"},
                )
            )
        else:
            raise EvalError(
                f"task 'longdoc': {where} has neither 'instructions' nor 'context'; "
                f"expected {_EITHER}"
            )
    return examples


def _leval(record: dict[str, Any], number: int, title: str, where: str) -> list[Example]:
    require_keys("longdoc", record, ("input", "outputs"), where=where, layout=LEVAL_LAYOUT)
    instructions, outputs = record["instructions"], record["outputs"]
    if len(instructions) != len(outputs):
        raise EvalError(
            f"task 'longdoc': {where} has {len(instructions)} instructions but "
            f"{len(outputs)} outputs; expected one output per instruction ({LEVAL_LAYOUT})"
        )
    return [
        Example(
            id=f"longdoc-{number}-{i}",
            question=instruction.strip(),
            answers=_answers(output),
            documents=((title, record["input"]),),
            gold_titles=(title,),
            meta={"line": number, "layout": "l-eval"},
        )
        for i, (instruction, output) in enumerate(zip(instructions, outputs, strict=True))
    ]


def _answers(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return dedupe([value])
    return dedupe(str(item) for item in value)
