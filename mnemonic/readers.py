"""Turn files, folders and in-memory documents into a stream of documents to ingest.

Every file is read under the one reading rule of `hyperword.text_files` (UTF-8, a leading
byte-order mark dropped, `\\r\\n` and `\\r` read as `\\n`, binary and undecodable files
refused with the byte offset, `.gz` through gzip). Text files (`.txt`, `.md`, `.markdown`)
are one document each and are never read whole: a first pass streams the text to hash it and
to reject unusable files; a second pass streams blocks cut at line ends for the chunker.
`.jsonl` files hold one document per line (`text`, optional `id`/`doc_id`, `metadata` or
other fields as metadata); a bad line is skipped with its reason and the rest are read.

`iter_path_documents` is the entry point every ingest path uses (`MnemonicStore.ingest_paths`,
`hyperword tokenizer train/stats`): a path becomes documents, or a `SkippedInput` with the
reason. Inside a folder, hidden entries are left out, a name that is not valid UTF-8 is
skipped, and a symbolic link is followed only when it stays inside the folder (or when
`follow_symlinks` is set).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hyperword.registry import Registry
from hyperword.text_files import (
    TextFileError,
    check_unicode,
    display_path,
    iter_text,
    normalize_newlines,
)
from mnemonic.exceptions import InputFileError
from mnemonic.schema import Document

__all__ = [
    "SkippedInput",
    "SourceDocument",
    "iter_input_files",
    "iter_path_documents",
    "iter_text_blocks",
    "jsonl_document",
    "note_skipped",
    "read_file",
    "register_reader",
    "source_from_document",
    "sources_from_documents",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SkippedInput:
    """An input that was not ingested, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class SourceDocument:
    """A document ready for the pipeline: id, content hash, metadata, and its text as blocks.

    `source` is where it was read from (a resolved file path, with `:line` for a JSON-lines
    record; None for an in-memory document): `--prune` uses it to find documents whose file
    is gone.
    """

    doc_id: str
    doc_hash: str
    blocks: Callable[[], Iterator[str]]
    metadata: dict[str, Any] = field(default_factory=dict)
    source: str | None = None


# reader(path, doc_id, block_chars, skipped) -> documents; `InputFileError` skips the file
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
    digest = hashlib.sha256(text.encode("utf-8"))
    digest.update(json.dumps(metadata, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:32]


def source_from_document(doc: Document | dict[str, Any], *, block_chars: int) -> SourceDocument:
    """Wrap an in-memory `Document` (or a dict with `text` and `doc_id`/`id`).

    Raises:
        InputFileError: No string `doc_id`, text that is not a string, or a lone surrogate
            (not valid Unicode) in the id, the text or the metadata.
    """
    if isinstance(doc, dict):
        doc_id = doc.get("doc_id", doc.get("id"))
        text, metadata = doc.get("text"), doc.get("metadata") or {}
    else:
        doc_id, text, metadata = doc.doc_id, doc.text, dict(doc.metadata)
    if not isinstance(doc_id, str) or not doc_id:
        raise InputFileError(f"a document needs a non-empty string doc_id, got {doc_id!r}")
    shown = display_path(doc_id)
    if not isinstance(text, str):
        raise InputFileError(f"document '{shown}': text must be a string")
    if not isinstance(metadata, dict):
        raise InputFileError(f"document '{shown}': metadata must be an object")
    check_unicode(doc_id, "doc_id", error=InputFileError)
    check_unicode(text, f"document '{shown}': text", error=InputFileError)
    check_unicode(metadata, f"document '{shown}': metadata", error=InputFileError)
    return SourceDocument(
        doc_id=doc_id,
        doc_hash=_hash_text(text, metadata),
        blocks=lambda: iter(_split_blocks(text, block_chars)),
        metadata=metadata,
    )


def sources_from_documents(
    docs: Iterable[Document | dict[str, Any]], *, block_chars: int, skipped: list[SkippedInput]
) -> list[SourceDocument]:
    """Every in-memory document checked before any is written; blank ones are skipped.

    Raises:
        InputFileError: A document is malformed (see `source_from_document`): nothing of
            the batch is written.
    """
    sources = []
    for doc in docs:
        source = source_from_document(doc, block_chars=block_chars)
        text = doc.get("text") if isinstance(doc, dict) else doc.text
        if not text.strip():
            note_skipped(skipped, source.doc_id, "blank text (nothing to store)")
            continue
        sources.append(source)
    return sources


def iter_path_documents(
    paths: Iterable[str | Path],
    *,
    block_chars: int,
    skipped: list[SkippedInput],
    follow_symlinks: bool = False,
) -> Iterator[SourceDocument]:
    """Documents of files and folders (recursive, hidden entries left out), in sorted order.

    A file found in a folder gets its path relative to that folder as `doc_id`; a file named
    directly gets its file name. Unusable inputs are appended to `skipped` and logged. In a
    folder, symbolic links that lead outside it are skipped unless `follow_symlinks`.
    """
    listed = iter_input_files(paths, skipped=skipped, follow_symlinks=follow_symlinks)
    for file, doc_id in listed:
        yield from read_file(file, doc_id, block_chars=block_chars, skipped=skipped)


def iter_input_files(
    paths: Iterable[str | Path], *, skipped: list[SkippedInput], follow_symlinks: bool = False
) -> Iterator[tuple[Path, str]]:
    """`(file, doc_id)` of each file `iter_path_documents` reads, in its order, unread.

    A distributed ingest lists the files here and reads each one with `read_file`.
    """
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for file in _walk(path, skipped, follow_symlinks=follow_symlinks):
                if _suffix(file) in READERS:
                    yield file, file.relative_to(path).as_posix()
        elif path.is_file():
            yield path, path.name
        else:
            note_skipped(skipped, path, "no such file or folder")


def read_file(
    path: Path, doc_id: str, *, block_chars: int, skipped: list[SkippedInput]
) -> Iterator[SourceDocument]:
    """The documents of one file; an unusable file (or line) is added to `skipped` instead."""
    return _read(path, doc_id, block_chars, skipped)


def _walk(folder: Path, skipped: list[SkippedInput], *, follow_symlinks: bool) -> Iterator[Path]:
    """Files under `folder`, sorted; unusable names and links are recorded in `skipped`."""
    top = folder.resolve()
    seen: set[Path] = set()
    for root, dirs, files in os.walk(folder, followlinks=follow_symlinks):
        here = Path(root)
        seen.add(here.resolve())
        kept = []
        for name in sorted(d for d in dirs if not d.startswith(".")):
            reason = _unusable(here / name, top, follow_symlinks, seen)
            if reason:
                note_skipped(skipped, here / name, reason)
            else:
                kept.append(name)
        dirs[:] = kept
        for name in sorted(f for f in files if not f.startswith(".")):
            reason = _unusable(here / name, top, follow_symlinks, set())
            if reason:
                note_skipped(skipped, here / name, reason)
            else:
                yield here / name


def _unusable(path: Path, top: Path, follow_symlinks: bool, seen: set[Path]) -> str | None:
    """Why a folder entry is left out (None: it is read)."""
    try:
        path.name.encode("utf-8")
    except UnicodeEncodeError:
        return "its name is not valid UTF-8 (rename it)"
    if not path.is_symlink():
        return None
    target = path.resolve()
    if target in seen:
        return "symbolic link back to a folder already read (a cycle)"
    if not follow_symlinks and not target.is_relative_to(top):
        return "symbolic link to outside the folder (pass --follow-symlinks to read it)"
    if path.is_dir() and not follow_symlinks:
        return "symbolic link to a folder (pass --follow-symlinks to read it)"
    return None


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
        note_skipped(skipped, path, f"unsupported file type (supported: {allowed}, optionally .gz)")
        return
    try:
        yield from reader(path, doc_id, block_chars, skipped)
    except (InputFileError, TextFileError) as error:
        note_skipped(skipped, path, str(error))
    except OSError as error:
        note_skipped(skipped, path, f"cannot read: {error.strerror or error}")


def note_skipped(skipped: list[SkippedInput], path: Path | str, reason: str) -> None:
    shown = display_path(path)
    logger.debug("skipped %s: %s", shown, reason)  # the ingest report lists them
    skipped.append(SkippedInput(shown, reason))


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
        source=str(path.resolve()),
    )


def _scan_text_file(path: Path) -> str:
    """First pass: hash the text as read; reject binary, undecodable and blank files.

    The hash is of the text's UTF-8 bytes, so for a plain UTF-8 file with `\\n` line ends
    it is the hash of the file's bytes.
    """
    digest = hashlib.sha256()
    has_text = False
    for text in iter_text(path):
        has_text = has_text or bool(text.strip())
        digest.update(text.encode("utf-8"))
    if not has_text:
        raise InputFileError("empty file")
    return digest.hexdigest()[:32]


def iter_text_blocks(path: Path, block_chars: int) -> Iterator[str]:
    """Stream a file (reading rule) as blocks of about `block_chars`, each cut at a line end."""
    buffer = ""
    for text in iter_text(path):
        buffer += text
        while len(buffer) >= block_chars:
            cut = _cut_point(buffer, block_chars)
            yield buffer[:cut]
            buffer = buffer[cut:]
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


def jsonl_document(
    record: Any, *, path: Path, number: int, doc_id: str, block_chars: int
) -> SourceDocument:
    """The document of one JSON-lines record or Parquet row (`InputFileError` saying why it
    is unusable)."""
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        raise InputFileError("line has no string 'text' field")
    text = normalize_newlines(record["text"])
    if not text.strip():
        raise InputFileError("blank text")
    record_id = record.get("id", record.get("doc_id"))
    metadata = record.get("metadata")
    if not isinstance(metadata, dict):
        metadata = {k: v for k, v in record.items() if k not in {"text", "id", "doc_id"}}
    doc = Document(
        doc_id=str(record_id) if record_id is not None else f"{doc_id}#{number}",
        text=text,
        metadata={"source": str(path), **metadata},
    )
    source = source_from_document(doc, block_chars=block_chars)
    return SourceDocument(
        doc_id=source.doc_id,
        doc_hash=source.doc_hash,
        blocks=source.blocks,
        metadata=source.metadata,
        source=f"{path.resolve()}:{number}",
    )


from mnemonic import jsonl_reader  # noqa: E402, F401  (registers ".jsonl")
