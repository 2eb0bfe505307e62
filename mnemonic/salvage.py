"""Reading what can still be read from a damaged LanceDB table (for the store's check/repair).

A table's versions are the manifests in `<name>.lance/_versions` (LanceDB names them
`u64::MAX - version`). A damaged newest manifest can still decode, as an empty table, so the
newest version is opened by number, never trusted by default. Rows are read by offset in
blocks; a block that fails is split until the rows that cannot be read are found (a block
whose first, middle and last rows all fail counts as lost whole, so a missing data file costs
a few reads, not one per row).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from mnemonic.integrity import is_panic, short_error

__all__ = ["Salvaged", "salvage", "table_versions"]

logger = logging.getLogger(__name__)

_U64 = 2**64 - 1
_BLOCK = 2048


@dataclass
class Salvaged:
    """Rows read from one version of a table.

    Attributes:
        version: The version read.
        rows: The rows that could be read (their `columns`).
        lost: How many rows could not be read.
        error: The first read error (None when every row was read).
    """

    version: int
    rows: pa.Table
    lost: int
    error: str | None = None


def table_versions(folder: Path, name: str) -> list[tuple[int, Path]]:
    """The versions of table `name` that have a manifest file, and the file, newest first."""
    versions = {}
    for path in (Path(folder) / f"{name}.lance" / "_versions").glob("*.manifest"):
        try:
            number = int(path.stem)
        except ValueError:
            continue
        versions[_U64 - number if number > 2**63 else number] = path  # v2 names count down
    return sorted(versions.items(), reverse=True)


def salvage(
    db: Any,
    folder: Path,
    name: str,
    *,
    columns: Sequence[str] | None = None,
    versions: int = 1,
    quarantine: Path | None = None,
) -> Iterator[Salvaged]:
    """Rows of up to `versions` readable versions of table `name`, newest first.

    LanceDB reads the newest manifest before any version, so an unreadable newest manifest
    hides every version: with `quarantine`, such manifests are moved there (one by one, until
    the table opens); without, nothing can be read.
    """
    yielded = 0
    for version, manifest in table_versions(folder, name):
        if yielded >= versions:
            return
        table, error = _open(db, name, version)
        if table is None:
            logger.info("table %s version %d unreadable: %s", name, version, error)
            if quarantine is not None and yielded == 0:
                target = quarantine / name / manifest.name
                target.parent.mkdir(parents=True, exist_ok=True)
                manifest.replace(target)
            continue
        yielded += 1
        total = table.count_rows()
        yield _read_all(table, version, total, list(columns) if columns else None)


def _open(db: Any, name: str, version: int) -> tuple[Any, str | None]:
    """Table `name` at `version` and its row count works; else (None, why)."""
    try:
        table = db.open_table(name, version=version)
        if table.version != version:
            return None, f"opened version {table.version}"
        table.count_rows()
        return table, None
    except Exception as error:  # LanceDB fails in many ways on damaged files
        return None, short_error(error)
    except BaseException as error:
        if not is_panic(error):
            raise
        return None, short_error(error)


def _read_all(table: Any, version: int, total: int, columns: list[str] | None) -> Salvaged:
    parts: list[pa.Table] = []
    errors: list[str] = []
    lost = 0
    for start in range(0, total, _BLOCK):
        lost += _read_range(table, start, min(total, start + _BLOCK), columns, parts, errors)
    schema = (
        table.schema if columns is None else pa.schema([table.schema.field(c) for c in columns])
    )
    rows = pa.concat_tables([p.cast(schema) for p in parts]) if parts else schema.empty_table()
    return Salvaged(version=version, rows=rows, lost=lost, error=errors[0] if errors else None)


def _read_range(
    table: Any,
    start: int,
    stop: int,
    columns: list[str] | None,
    parts: list[pa.Table],
    errors: list[str],
) -> int:
    """Read offsets `[start, stop)` into `parts`; return how many could not be read."""
    got = _take(table, range(start, stop), columns, errors)
    if got is not None:
        parts.append(got)
        return 0
    size = stop - start
    if size == 1:
        return 1
    probes = {start, start + size // 2, stop - 1}
    if size > 8 and all(_take(table, [p], columns, errors) is None for p in probes):
        return size
    middle = start + size // 2
    return _read_range(table, start, middle, columns, parts, errors) + _read_range(
        table, middle, stop, columns, parts, errors
    )


def _take(
    table: Any, offsets: Sequence[int], columns: list[str] | None, errors: list[str]
) -> pa.Table | None:
    try:
        query = table.take_offsets(list(offsets))
        if columns is not None:
            query = query.select(columns)
        return query.to_arrow()
    except Exception as error:  # LanceDB raises several kinds here
        errors.append(short_error(error))
        return None
    except BaseException as error:
        if not is_panic(error):
            raise
        errors.append(short_error(error))
        return None
