"""Turn files, folders and in-memory documents into a stream of documents to ingest.

Text files (`.txt`, `.md`, `.markdown`) are one document each and are never read whole: a
first pass streams the bytes to hash them and to reject binary (NUL bytes) or undecodable
(not UTF-8) files; a second pass streams decoded blocks cut at line ends for the chunker.
`.jsonl` files hold one document per line (`text`, optional `id`/`doc_id`, `metadata` or other
fields as metadata). A `.gz` suffix on any of them is read through gzip.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from hyperword.registry import Registry
from mnemonic.exceptions import InputFileError
from mnemonic.schema import Document

__all__ = [
    "SkippedInput",
    "SourceDocument",
    "iter_input_files",
    "iter_path_documents",
    "iter_text_blocks",
    "read_file",
    "register_reader",
    "source_from_document",
    "source_from_record",
]

logger = logging.getLogger(__name__)

_READ_BYTES = 1 << 20


@dataclass(frozen=True)
class SkippedInput:
    """An input that was not ingested, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class SourceDocument:
    """A document ready for the pipeline: id, content hash, metadata, and its text as blocks."""

    doc_id: str
    doc_hash: str
    blocks: Callable[[], Iterator[str]]
    metadata: dict[str, Any] = field(default_factory=dict)
    source: str | None = None


Reader = Callable[[Path, str, int, list[SkippedInput]], Iterator[SourceDocument]]
READERS: Registry[Reader] = Registry("file reader")


def register_reader(*suffixes: str) -> Callable[[Reader], Reader]:
    """Register a reader for file suffixes (e.g. `".txt"`); a suffix taken twice raises."""

    def decorator(reader: Reader) -> Reader:
        for suffix in suffixes:
            READERS.add(suffix, reader)
        return reader

    return decorator


def _hash_text(text: str, metadata: dict[str, Any]) -> str:
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass"))
    digest.update(json.dumps(metadata, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:32]


def source_from_document(doc: Document | dict[str, Any], *, block_chars: int) -> SourceDocument:
    """Wrap an in-memory `Document` (or a dict with `text` and `doc_id`/`id`)."""
    if isinstance(doc, dict):
        doc_id = doc.get("doc_id", doc.get("id"))
        text, metadata = doc.get("text"), doc.get("metadata") or {}
    else:
        doc_id, text, metadata = doc.doc_id, doc.text, dict(doc.metadata)
    if not isinstance(doc_id, str) or not doc_id:
        raise InputFileError(f"a document needs a non-empty string doc_id, got {doc_id!r}")
    if not isinstance(text, str):
        raise InputFileError(f"document '{doc_id}': text must be a string")
    return SourceDocument(
        doc_id=doc_id,
        doc_hash=_hash_text(text, metadata),
        blocks=lambda: iter(_split_blocks(text, block_chars)),
        metadata=metadata,
    )


def iter_path_documents(
    paths: Iterable[str | Path], *, block_chars: int, skipped: list[SkippedInput]
) -> Iterator[SourceDocument]:
    """Documents of files and folders (recursive, hidden entries left out), in sorted order.

    A file found in a folder gets its path relative to that folder as `doc_id`; a file named
    directly gets its file name. Unusable inputs are appended to `skipped` and logged.
    """
    for file, doc_id in iter_input_files(paths, skipped=skipped):
        yield from read_file(file, doc_id, block_chars=block_chars, skipped=skipped)


def iter_input_files(
    paths: Iterable[str | Path], *, skipped: list[SkippedInput]
) -> Iterator[tuple[Path, str]]:
    """`(file, doc_id)` of each file `iter_path_documents` reads, in its order, unread.

    A distributed ingest lists the files here and reads each one with `read_file`.
    """
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for file in _walk(path):
                if _suffix(file) in READERS:
                    yield file, file.relative_to(path).as_posix()
        elif path.is_file():
            yield path, path.name
        else:
            _skip(skipped, path, "no such file or folder")


def read_file(
    path: Path, doc_id: str, *, block_chars: int, skipped: list[SkippedInput]
) -> Iterator[SourceDocument]:
    """The documents of one file; an unusable file (or line) is added to `skipped` instead."""
    return _read(path, doc_id, block_chars, skipped)


def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(root) / name


def _suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def _read(
    path: Path, doc_id: str, block_chars: int, skipped: list[SkippedInput]
) -> Iterator[SourceDocument]:
    reader = READERS.get(_suffix(path))  # an unsupported file is skipped, not an error
    if reader is None:
        allowed = ", ".join(READERS.names())
        _skip(skipped, path, f"unsupported file type (supported: {allowed}, optionally .gz)")
        return
    try:
        yield from reader(path, doc_id, block_chars, skipped)
    except InputFileError as error:
        _skip(skipped, path, str(error))
    except OSError as error:
        _skip(skipped, path, f"cannot read: {error.strerror or error}")


def _skip(skipped: list[SkippedInput], path: Path | str, reason: str) -> None:
    logger.warning("skipped %s: %s", path, reason)
    skipped.append(SkippedInput(str(path), reason))


def _open(path: Path) -> IO[bytes]:
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rb")
    return path.open("rb")


@register_reader(".txt", ".md", ".markdown")
def _read_text_file(
    path: Path, doc_id: str, block_chars: int, skipped: list[SkippedInput]
) -> Iterator[SourceDocument]:
    doc_hash = _scan_text_file(path)
    yield SourceDocument(
        doc_id=doc_id,
        doc_hash=doc_hash,
        blocks=lambda: iter_text_blocks(path, block_chars),
        metadata={"source": str(path)},
        source=str(path),
    )


def _scan_text_file(path: Path) -> str:
    """First pass: hash the bytes; reject binary, undecodable and empty files."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    has_text, offset = False, 0
    with _open(path) as handle:
        while data := handle.read(_READ_BYTES):
            if b"\x00" in data:
                raise InputFileError("binary file (contains NUL bytes)")
            try:
                text = decoder.decode(data)
            except UnicodeDecodeError as error:
                raise InputFileError(
                    f"not valid UTF-8 (byte offset {offset + error.start})"
                ) from error
            has_text = has_text or bool(text.strip())
            digest.update(data)
            offset += len(data)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as error:
            raise InputFileError("not valid UTF-8 (truncated character at the end)") from error
    if not has_text:
        raise InputFileError("empty file")
    return digest.hexdigest()[:32]


def iter_text_blocks(path: Path, block_chars: int) -> Iterator[str]:
    """Stream a UTF-8 file as blocks of about `block_chars`, each cut at a line end."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    buffer = ""
    with _open(path) as handle:
        while data := handle.read(_READ_BYTES):
            buffer += decoder.decode(data)
            while len(buffer) >= block_chars:
                cut = _cut_point(buffer, block_chars)
                yield buffer[:cut]
                buffer = buffer[cut:]
        buffer += decoder.decode(b"", final=True)
    if buffer.strip():
        yield buffer


def _split_blocks(text: str, block_chars: int) -> Iterator[str]:
    while len(text) > block_chars:
        cut = _cut_point(text, block_chars)
        yield text[:cut]
        text = text[cut:]
    yield text


def _cut_point(text: str, limit: int) -> int:
    """Where to end a block of at most `limit` chars: a paragraph, line, sentence or space."""
    window = text[:limit]
    for separator in ("\n\n", "\n", ". ", " "):
        position = window.rfind(separator)
        if position > limit // 2:
            return position + len(separator)
    return limit


@register_reader(".jsonl")
def _read_jsonl_file(
    path: Path, doc_id: str, block_chars: int, skipped: list[SkippedInput]
) -> Iterator[SourceDocument]:
    seen_text = False
    with _open(path) as handle:
        for number, raw in enumerate(handle, start=1):
            where = f"{path}:{number}"
            if b"\x00" in raw:
                raise InputFileError(f"binary file (NUL bytes on line {number})")
            if not raw.strip():
                continue
            try:
                record = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError:
                _skip(skipped, where, "line is not valid UTF-8")
                continue
            except json.JSONDecodeError as error:
                _skip(skipped, where, f"invalid JSON: {error.msg}")
                continue
            if not isinstance(record, dict) or not isinstance(record.get("text"), str):
                _skip(skipped, where, "line has no string 'text' field")
                continue
            text = record["text"]
            if not text.strip():
                _skip(skipped, where, "empty text")
                continue
            seen_text = True
            yield source_from_record(record, path, f"{doc_id}#{number}", where, block_chars)
    if not seen_text:
        raise InputFileError("empty file (no line with text)")


def source_from_record(
    record: dict[str, Any], path: Path, default_id: str, where: str, block_chars: int
) -> SourceDocument:
    """One record of a `.jsonl` (or `.parquet`) file with a string `text` as a document."""
    record_id = record.get("id", record.get("doc_id"))
    metadata = record.get("metadata")
    if not isinstance(metadata, dict):
        metadata = {k: v for k, v in record.items() if k not in {"text", "id", "doc_id"}}
    doc = Document(
        doc_id=str(record_id) if record_id is not None else default_id,
        text=record["text"],
        metadata={"source": str(path), **metadata},
    )
    source = source_from_document(doc, block_chars=block_chars)
    return SourceDocument(
        doc_id=source.doc_id,
        doc_hash=source.doc_hash,
        blocks=source.blocks,
        metadata=source.metadata,
        source=where,
    )
