"""The one reading rule for user files: every command and loader that reads text follows it.

- Bytes are decoded as UTF-8, strictly. A leading byte-order mark (U+FEFF) is dropped
  (`utf-8-sig`); a UTF-16 or UTF-32 file (its BOM, or NUL bytes) is refused as not UTF-8.
- Line endings are normalized: `\\r\\n` and a lone `\\r` become `\\n` (as Python's text mode
  does), so every path counts the same tokens for the same file.
- A file with NUL bytes is binary and refused; invalid UTF-8 is refused with the byte offset
  of the first bad byte (after decompression for `.gz`).
- A `.gz` suffix is read through gzip; a truncated or corrupt archive is refused with the
  reason.
- Files are streamed in blocks: nothing reads a whole file unless asked (`read_text`).

Every refusal is a `TextFileError` (a `HyperwordError` and `ValueError`) whose message says
what is wrong; readers that go on past a bad file record it as skipped with that message.
Text values (from JSON, requests or arguments) must be valid Unicode: `check_unicode`.
"""

from __future__ import annotations

import codecs
import gzip
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from hyperword.exceptions import HyperwordError

__all__ = [
    "TextFileError",
    "check_unicode",
    "display_path",
    "find_lone_surrogate",
    "iter_lines",
    "iter_text",
    "normalize_newlines",
    "open_bytes",
    "read_text",
]

READ_BYTES = 1 << 20
_WIDE_BOMS = {
    codecs.BOM_UTF32_LE: "UTF-32",
    codecs.BOM_UTF32_BE: "UTF-32",
    codecs.BOM_UTF16_LE: "UTF-16",
    codecs.BOM_UTF16_BE: "UTF-16",
}


class TextFileError(HyperwordError, ValueError):
    """A file cannot be read as text under the reading rule (binary, not UTF-8, corrupt)."""


def display_path(path: str | Path) -> str:
    """`path` as printable text (a name that is not valid UTF-8 shows its bytes escaped)."""
    return str(path).encode("utf-8", "backslashreplace").decode("utf-8")


def open_bytes(path: str | Path) -> IO[bytes]:
    """`path` opened for reading bytes (through gzip for a `.gz` suffix)."""
    path = Path(path)
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rb")
    return path.open("rb")


def _raw_blocks(handle: IO[bytes], block_bytes: int) -> Iterator[bytes]:
    """Blocks of bytes; a corrupt or truncated gzip archive becomes a `TextFileError`."""
    while True:
        try:
            data = handle.read(block_bytes)
        except EOFError:
            raise TextFileError("truncated gzip file (it ends before its end marker)") from None
        except (gzip.BadGzipFile, zlib.error) as error:
            raise TextFileError(f"not a valid gzip file ({error})") from None
        if not data:
            return
        yield data


def _check_start(data: bytes) -> None:
    for bom, name in _WIDE_BOMS.items():
        if data.startswith(bom):
            raise TextFileError(f"{name} text (byte-order mark at the start); save it as UTF-8")


def _decoded(handle: IO[bytes], block_bytes: int) -> Iterator[str]:
    """Decoded blocks, BOM dropped, line endings as read (see `iter_text`)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="strict")
    offset = 0
    for data in _raw_blocks(handle, block_bytes):
        if offset == 0:
            _check_start(data)
        nul = data.find(b"\x00")
        if nul >= 0:
            raise TextFileError(f"binary file (a NUL byte at byte offset {offset + nul})")
        held = len(decoder.getstate()[0])  # bytes of a character split across blocks
        try:
            yield decoder.decode(data)
        except UnicodeDecodeError as error:
            bom = 3 if offset == 0 and data.startswith(codecs.BOM_UTF8) else 0
            bad = offset - held + bom + error.start
            raise TextFileError(f"not valid UTF-8 (byte offset {bad})") from None
        offset += len(data)
    try:
        yield decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise TextFileError("not valid UTF-8 (a truncated character at the end)") from None


def iter_text(path: str | Path, *, block_bytes: int = READ_BYTES) -> Iterator[str]:
    """The text of `path` in decoded pieces (about `block_bytes` each) under the reading rule.

    Raises:
        TextFileError: Binary, not UTF-8, or a corrupt `.gz` (raised while iterating).
        OSError: The file cannot be opened or read.
    """
    pending = ""
    with open_bytes(path) as handle:
        for piece in _decoded(handle, block_bytes):
            text = pending + piece
            pending = "\r" if text.endswith("\r") else ""  # its "\n" may come next
            text = text[:-1] if pending else text
            if text:
                yield normalize_newlines(text)
    if pending:
        yield "\n"


def read_text(path: str | Path, *, max_chars: int | None = None) -> str:
    """The whole text of `path` under the reading rule (`TextFileError` past `max_chars`)."""
    parts, size = [], 0
    for piece in iter_text(path):
        size += len(piece)
        if max_chars is not None and size > max_chars:
            raise TextFileError(f"file is over {max_chars:,} characters")
        parts.append(piece)
    return "".join(parts)


def normalize_newlines(text: str) -> str:
    """`text` with `\\r\\n` and lone `\\r` as `\\n` (the rule's line endings)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _raw_lines(handle: IO[bytes]) -> Iterator[bytes]:
    while True:
        try:
            raw = handle.readline()
        except EOFError:
            raise TextFileError("truncated gzip file (it ends before its end marker)") from None
        except (gzip.BadGzipFile, zlib.error) as error:
            raise TextFileError(f"not a valid gzip file ({error})") from None
        if not raw:
            return
        yield raw


def iter_lines(path: str | Path) -> Iterator[tuple[int, str | TextFileError]]:
    """`(line_number, line)` of `path` under the reading rule, from 1, without line ends.

    Each line is decoded alone: a line that is not valid UTF-8 comes as a `TextFileError`
    instead of its text, so a reader of records can skip it and go on. A line is held whole
    in memory (a JSON-lines record).

    Raises:
        TextFileError: Binary (NUL bytes, UTF-16/32) or a corrupt `.gz`.
    """
    with open_bytes(path) as handle:
        for number, raw in enumerate(_raw_lines(handle), start=1):
            if number == 1:
                _check_start(raw)
                raw = raw.removeprefix(codecs.BOM_UTF8)
            if b"\x00" in raw:
                raise TextFileError(f"binary file (a NUL byte on line {number})")
            raw = raw.removesuffix(b"\n").removesuffix(b"\r")
            try:
                yield number, raw.decode("utf-8")
            except UnicodeDecodeError as error:
                where = f"byte {error.start} of the line"
                yield number, TextFileError(f"line {number} is not valid UTF-8 ({where})")


def find_lone_surrogate(value: Any, where: str = "") -> str | None:
    """Where `value` (a string, or lists and mappings of them) holds a lone surrogate.

    Returns a description such as `"metadata.title, character 3 (U+D800)"`, or None. Such a
    string cannot be encoded as UTF-8: it is refused at the edge rather than stored.
    """
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            code = f"U+{ord(value[error.start]):04X}"
            return f"{where or 'text'}, character {error.start} ({code})"
        return None
    if isinstance(value, dict):
        items = ((f"{where}.{k}" if where else str(k), k, v) for k, v in value.items())
        for name, key, item in items:
            found = find_lone_surrogate(key, name) or find_lone_surrogate(item, name)
            if found:
                return found
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            found = find_lone_surrogate(item, f"{where}[{i}]")
            if found:
                return found
    return None


def check_unicode(value: Any, what: str, *, error: type[Exception] = TextFileError) -> None:
    """Raise `error` when `value` holds a lone surrogate (not valid Unicode text)."""
    found = find_lone_surrogate(value, what)
    if found:
        raise error(f"{found} is a lone surrogate, not valid Unicode text")
