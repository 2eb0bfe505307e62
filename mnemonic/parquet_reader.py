"""`.parquet` files: one document per row, with the same fields as a `.jsonl` line.

A row needs a string `text`; `id` or `doc_id` names it (else `FILE#ROW`, rows counted from 1),
and a `metadata` map, or else its other columns, become its metadata. Rows are read in record
batches, so a large file is never loaded whole. Gzipped Parquet is refused (Parquet compresses
its own pages).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

from mnemonic.exceptions import InputFileError
from mnemonic.readers import (
    SkippedInput,
    SourceDocument,
    jsonl_document,
    note_skipped,
    register_reader,
)

__all__: list[str] = []

logger = logging.getLogger(__name__)

_BATCH_ROWS = 1024


@register_reader(".parquet")
def _read_parquet_file(
    path: Path, doc_id: str, block_chars: int, skipped: list[SkippedInput]
) -> Iterator[SourceDocument]:
    import pyarrow as pa

    if path.suffix.lower() == ".gz":
        raise InputFileError("gzipped Parquet is not supported (Parquet compresses itself)")
    number, seen_text = 0, False
    try:
        for record in _records(path):
            number += 1
            text = record.get("text")
            if not isinstance(text, str) or not text.strip():
                note_skipped(skipped, f"{path}:{number}", "row has no text")
                continue
            try:
                document = jsonl_document(
                    record, path=path, number=number, doc_id=doc_id, block_chars=block_chars
                )
            except InputFileError as error:
                note_skipped(skipped, f"{path}:{number}", f"row: {error}")
                continue
            seen_text = True
            yield document
    except (pa.ArrowException, ValueError) as error:
        raise InputFileError(f"not a readable Parquet file: {error}") from error
    if not seen_text:
        raise InputFileError("empty file (no row with text)")


def _records(path: Path) -> Iterator[dict]:
    import pyarrow.parquet as pq

    handle = pq.ParquetFile(path)
    if "text" not in handle.schema_arrow.names:
        raise InputFileError("no 'text' column")
    for batch in handle.iter_batches(batch_size=_BATCH_ROWS):
        yield from batch.to_pylist()
