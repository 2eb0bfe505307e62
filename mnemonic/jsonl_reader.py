"""The `.jsonl` reader: one document per line, a bad line skipped with its reason."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from hyperword.text_files import TextFileError, iter_lines
from mnemonic.exceptions import InputFileError
from mnemonic.readers import (
    SkippedInput,
    SourceDocument,
    jsonl_document,
    note_skipped,
    register_reader,
)

__all__: list[str] = []


@register_reader(".jsonl")
def read_jsonl_file(
    path: Path, doc_id: str, block_chars: int, skipped: list[SkippedInput]
) -> Iterator[SourceDocument]:
    """Documents of a JSON-lines file: `text`, optional `id`/`doc_id` and `metadata`."""
    seen_text = False
    for number, line in iter_lines(path):
        where = f"{path}:{number}"
        if isinstance(line, TextFileError):
            note_skipped(skipped, where, "line is not valid UTF-8")
            continue
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            note_skipped(skipped, where, f"invalid JSON: {error.msg}")
            continue
        except RecursionError:
            note_skipped(skipped, where, "invalid JSON: nested too deeply")
            continue
        try:
            document = jsonl_document(
                record, path=path, number=number, doc_id=doc_id, block_chars=block_chars
            )
        except InputFileError as error:
            note_skipped(skipped, where, str(error))
            continue
        seen_text = True
        yield document
    if not seen_text:
        raise InputFileError("empty file (no line with text)")
