"""Shared helpers for task loaders: locating and parsing data files, checking options."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from eval.exceptions import EvalError
from hyperword.text_files import TextFileError, iter_lines, read_text

__all__ = [
    "check_options",
    "dedupe",
    "iter_jsonl",
    "read_file",
    "read_json",
    "require_file",
    "require_keys",
]


def require_file(task: str, path: str | Path | None) -> Path:
    """Return `path` as a `Path`, or raise `EvalError` when it is missing or not a file."""
    if path is None:
        raise EvalError(f"task '{task}' needs a data file; pass its path (--data PATH)")
    path = Path(path)
    if not path.exists():
        raise EvalError(f"task '{task}': no file at {path}")
    if not path.is_file():
        raise EvalError(f"task '{task}': {path} is not a file")
    return path


def read_json(task: str, path: Path, *, layout: str) -> Any:
    """Parse a whole (optionally gzipped) JSON file; `layout` names what was expected."""
    text = read_file(task, path)
    if not text.strip():
        raise EvalError(f"task '{task}': {path} is empty; expected {layout}")
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as error:
        raise EvalError(
            f"task '{task}': {path} is not valid JSON ({error}); expected {layout}"
        ) from None


def read_file(task: str, path: Path) -> str:
    """The text of a data file under the reading rule (`hyperword.text_files`)."""
    try:
        return read_text(path)
    except (TextFileError, OSError) as error:
        raise EvalError(f"task '{task}': cannot read {path}: {error}") from None


def _lines(task: str, path: Path) -> Iterator[tuple[int, str]]:
    try:
        for number, line in iter_lines(path):
            if isinstance(line, TextFileError):
                raise EvalError(f"task '{task}': {path}: {line}")
            yield number, line
    except (TextFileError, OSError) as error:
        raise EvalError(f"task '{task}': cannot read {path}: {error}") from None


def iter_jsonl(task: str, path: Path, *, layout: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield `(line_number, object)` for each non-blank line of a JSON-lines file.

    Raises:
        EvalError: A line is not a JSON object, or the file has no records at all.
    """
    found = False
    for number, line in _lines(task, path):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as error:
            raise EvalError(
                f"task '{task}': {path} line {number} is not valid JSON ({error}); "
                f"expected {layout}"
            ) from None
        if not isinstance(record, dict):
            raise EvalError(
                f"task '{task}': {path} line {number} is a {type(record).__name__}, "
                f"not an object; expected {layout}"
            )
        found = True
        yield number, record
    if not found:
        raise EvalError(f"task '{task}': {path} is empty; expected {layout}")


def require_keys(
    task: str, record: Mapping[str, Any], keys: tuple[str, ...], *, where: str, layout: str
) -> None:
    """Raise `EvalError` naming the keys of `keys` that `record` lacks."""
    if not isinstance(record, Mapping):
        raise EvalError(f"task '{task}': {where} is not an object; expected {layout}")
    missing = [key for key in keys if key not in record]
    if missing:
        raise EvalError(
            f"task '{task}': {where} lacks {', '.join(repr(k) for k in missing)}; expected {layout}"
        )


def check_options(task: str, unknown: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    """Raise `EvalError` when a loader got options it does not know."""
    if unknown:
        raise EvalError(
            f"task '{task}' has no option {', '.join(sorted(unknown))}; "
            f"its options are: {', '.join(allowed)}"
        )


def dedupe(texts: Iterable[str]) -> tuple[str, ...]:
    """Strip and deduplicate strings, keeping first-seen order and dropping empty ones."""
    seen: dict[str, None] = {}
    for text in texts:
        text = text.strip()
        if text:
            seen.setdefault(text, None)
    return tuple(seen)
