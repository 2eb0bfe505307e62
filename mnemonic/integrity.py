"""Damage is reported, never served: LanceDB failures as one line, checks on every row served.

LanceDB data files carry no checksums, so a byte garbled in place can read back as another
value. Every row a search or `get` hands out is checked first (`row_problem`): its id is the
content hash of its document id, document hash, chunk index and text (`chunk_id`), its
retrieval vector is finite and of unit norm, and (for searches) that vector's inner product
with the query equals the score the index gave. A failed check raises `StoreCorruptError`
(one line, naming `hyperword store check DIR --repair`) instead of answering.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from hyperword.exceptions import HyperwordError
from mnemonic.exceptions import StoreCorruptError
from mnemonic.schema import chunk_id

__all__ = [
    "NORM_TOLERANCE",
    "SCORE_TOLERANCE",
    "VERIFY_COLUMNS",
    "bad_vectors",
    "damaged",
    "reading",
    "row_problem",
    "short_error",
]

VERIFY_COLUMNS = ["id", "seq", "doc_id", "doc_hash", "chunk_index", "text", "vector"]
NORM_TOLERANCE = 1e-3  # |norm - 1| of a stored (L2-normalized float32) retrieval vector
SCORE_TOLERANCE = 2e-3  # |index score - vector . query|

_LOCATION = re.compile(r",\s*/\S+\.rs:\d+(:\d+)?")


def damaged(folder: str | Path, what: str) -> StoreCorruptError:
    """The one-line error for a damaged store, saying what to run."""
    return StoreCorruptError(
        f"store {folder} is damaged ({what}); run `hyperword store check {folder} --repair`"
    )


def short_error(error: BaseException) -> str:
    """The first line of a (LanceDB/Rust) error, without source locations, at most 200 chars."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return _LOCATION.sub("", text)[:200]


def is_panic(error: BaseException) -> bool:
    """Whether `error` is a Rust panic surfacing through pyo3 (`PanicException`, a
    `BaseException`; or `RustPanic` from LanceDB's async runtime)."""
    return type(error).__name__ in ("PanicException", "RustPanic")


@contextlib.contextmanager
def reading(folder: str | Path, what: str) -> Iterator[None]:
    """Turn a failure reading the store's tables into one `StoreCorruptError`.

    Toolkit errors pass through; LanceDB/Arrow/OS errors and Rust panics become
    `damaged(folder, "<what>: <first line>")`.
    """
    try:
        yield
    except HyperwordError:
        raise
    except (OSError, RuntimeError, ValueError, pa.ArrowException) as error:
        raise damaged(folder, f"{what}: {short_error(error)}") from error
    except BaseException as error:
        if is_panic(error):
            raise damaged(folder, f"{what}: {short_error(error)}") from error
        raise


def bad_vectors(vectors: np.ndarray) -> np.ndarray:
    """Mask `(n,)` of rows of `vectors` `(n, dim)` that are not finite unit vectors."""
    vectors = np.asarray(vectors, dtype=np.float64)  # garbage floats overflow float32 norms
    finite = np.isfinite(vectors).all(axis=1)
    norms = np.linalg.norm(np.where(np.isfinite(vectors), vectors, 0.0), axis=1)
    return ~finite | ~(np.abs(norms - 1.0) <= NORM_TOLERANCE)


def row_problem(
    record: dict[str, Any], *, query: np.ndarray | None = None, score: float | None = None
) -> str | None:
    """What is wrong with a chunk row read back (None when it checks out).

    Args:
        record: The row, with at least `VERIFY_COLUMNS`.
        query: The normalized query vector `(dim,)`, to check `score` against.
        score: The score the search gave the row (checked when `query` is given too).
    """
    try:
        expected = chunk_id(
            record["doc_id"], record["doc_hash"], record["chunk_index"], record["text"]
        )
    except (TypeError, AttributeError, UnicodeError):
        expected = None
    if expected is None or expected != record["id"]:
        return f"chunk {record.get('id')!r} does not match its content hash"
    vector = record.get("vector")
    if vector is None or bad_vectors(np.asarray(vector, np.float32)[None, :])[0]:
        return f"chunk {record['id']!r} has a retrieval vector that is not a unit vector"
    if query is not None and score is not None:
        exact = float(np.dot(np.asarray(vector, np.float32), query))
        if abs(exact - score) > SCORE_TOLERANCE:
            return f"the index scores chunk {record['id']!r} {score:.4f}, its vector {exact:.4f}"
    return None
