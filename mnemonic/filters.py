"""`where` filters: checked before a search runs, and their errors told without internals.

A filter is a LanceDB SQL predicate on chunk columns (`doc_id = 'a.md'`). `check_where` is
the one check every path runs (`MnemonicStore.search_by_vector`; the service and
`AskOptions` call it too, for a 4xx at the edge): it refuses what LanceDB would silently
ignore or what is not a single predicate (`;` and anything after it, SQL comments), control
characters, lone surrogates, unbalanced quotes and filters over `MAX_WHERE_CHARS`.

LanceDB's own errors name its Rust source files and may quote stored values; `filter_error`
keeps only what says what was wrong with the filter (an unknown column, a syntax error, a
literal of the wrong type) and logs the rest.
"""

from __future__ import annotations

import logging
import re

from hyperword.text_files import find_lone_surrogate
from mnemonic.exceptions import ConfigError

__all__ = ["FILTER_COLUMNS", "MAX_WHERE_CHARS", "check_where", "filter_error", "is_filter_error"]

logger = logging.getLogger(__name__)

MAX_WHERE_CHARS = 1000
FILTER_COLUMNS = ("id", "doc_id", "chunk_index", "text", "text_tokens", "metadata")
_REASONS = (
    (re.compile(r"No field named (\S+?)\.(?:\s|$)"), "no column {0}; columns: {columns}"),
    (re.compile(r"sql parser error: (.+?)\)?$", re.M), "syntax error ({0})"),
    (
        re.compile(r"Received literal (.+?) and could not convert to literal of type '(\w+)'"),
        "the literal {0} does not match the column's type {1}",
    ),
)


def _outside_quotes(where: str) -> str:
    """`where` with the insides of its quoted literals blanked (`ConfigError` if unclosed)."""
    out, quote = [], None
    for char in where:
        if quote is None and char in "'\"":
            quote = char
            out.append(char)
        elif char == quote:  # a doubled quote reopens at once: '' is an escaped quote
            quote = None
            out.append(char)
        else:
            out.append(" " if quote else char)
    if quote is not None:
        raise ConfigError(f"invalid filter: a {quote} quote is not closed")
    return "".join(out)


def check_where(where: str) -> str:
    """`where` if it is one predicate LanceDB will read whole; `ConfigError` saying why not."""
    if not isinstance(where, str) or not where.strip():
        raise ConfigError("invalid filter: it is empty (leave it out to search everything)")
    if len(where) > MAX_WHERE_CHARS:
        raise ConfigError(f"invalid filter: over {MAX_WHERE_CHARS} characters")
    surrogate = find_lone_surrogate(where, "filter")
    if surrogate:
        raise ConfigError(f"invalid filter: {surrogate} is a lone surrogate")
    if any((ord(c) < 32 and c not in "\t\n\r") or c == "\x7f" for c in where):
        raise ConfigError("invalid filter: it holds control characters")
    bare = _outside_quotes(where)
    if ";" in bare:
        raise ConfigError(
            "invalid filter: ';' ends the predicate and what follows would be ignored; "
            "give one predicate (combine conditions with AND / OR)"
        )
    if "--" in bare or "/*" in bare:
        raise ConfigError("invalid filter: SQL comments are not allowed")
    return where


def is_filter_error(error: Exception) -> bool:
    """Whether LanceDB's `error` names a fault of the filter (not of the stored data)."""
    return any(pattern.search(str(error)) for pattern, _ in _REASONS)


def filter_error(where: str, error: Exception) -> ConfigError:
    """A `ConfigError` for LanceDB's `error` on `where`, without paths or stored values."""
    logger.debug("filter %r failed: %s", where, error)
    message = str(error)
    for pattern, template in _REASONS:
        match = pattern.search(message)
        if match:
            reason = template.format(*match.groups(), columns=", ".join(FILTER_COLUMNS))
            return ConfigError(f"invalid filter {where!r}: {reason}")
    return ConfigError(
        f"invalid filter {where!r}: it could not be evaluated (check the column names, the "
        f"types of the values and the quoting; columns: {', '.join(FILTER_COLUMNS)})"
    )
