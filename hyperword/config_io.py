"""Config files: one way to save a dataclass as JSON and to load it back.

Saved configs are JSON objects with sorted keys, two-space indents and the toolkit version
(`hyperword_version`), written atomically (a temporary file, then a rename). Loading drops
keys the dataclass does not have, with a warning, so a folder written by a newer toolkit
still opens; a missing required field or an unreadable file raises the caller's error type.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Mapping
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any, TypeVar

from hyperword.text_files import read_text

__all__ = [
    "VERSION_KEY",
    "config_from_dict",
    "load_config",
    "read_json",
    "save_config",
    "write_json",
]

logger = logging.getLogger(__name__)

VERSION_KEY = "hyperword_version"
T = TypeVar("T")


def write_json(path: str | Path, data: Mapping[str, Any], *, version: bool = True) -> Path:
    """Write `data` (plus `hyperword_version` when `version`) to `path`, atomically."""
    from hyperword import __version__

    path = Path(path)
    data = {**data, VERSION_KEY: __version__} if version else dict(data)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)
    return path


def save_config(config: Any, path: str | Path) -> Path:
    """Write a dataclass config to `path` with the toolkit version (see `write_json`)."""
    from hyperword import __version__

    if any(f.name == VERSION_KEY for f in fields(config)):
        setattr(config, VERSION_KEY, __version__)  # the config records who saved it
    return write_json(path, asdict(config))


def read_json(path: str | Path, *, error: type[Exception], what: str = "config") -> dict:
    """The JSON object in `path`; `error` when it cannot be read or is not an object."""
    path = Path(path)
    try:
        data = json.loads(read_text(path))
    except (OSError, ValueError, RecursionError) as cause:
        raise error(f"cannot read {what} {path}: {cause}") from cause
    if not isinstance(data, dict):
        raise error(f"{what} {path} is not a JSON object")
    return data


def config_from_dict(
    cls: type[T], data: Mapping[str, Any], *, source: str, error: type[Exception] | None = None
) -> T:
    """`cls(**data)` without the keys `cls` lacks (dropped with a warning).

    `hyperword_version` is dropped silently when `cls` has no such field. A missing required
    field raises `error` (a `TypeError` when None); the dataclass's own checks raise theirs.
    """
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known - {VERSION_KEY})
    if unknown:
        logger.warning("ignoring unknown keys in %s: %s", source, ", ".join(unknown))
    try:
        return cls(**{key: value for key, value in data.items() if key in known})
    except TypeError as cause:
        if error is None:
            raise
        raise error(f"{source} is incomplete: {cause}") from None


def load_config(
    cls: type[T], path: str | Path, *, error: type[Exception], what: str = "config"
) -> T:
    """Read a config file written by `save_config` (see `read_json`, `config_from_dict`)."""
    data = read_json(path, error=error, what=what)
    return config_from_dict(cls, data, source=str(path), error=error)
