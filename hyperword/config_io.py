"""Config files: one way to save a dataclass as JSON and to load it back.

Saved configs are JSON objects with sorted keys, two-space indents and the toolkit version
(`hyperword_version`), written atomically (a temporary file, then a rename). Loading drops
keys the dataclass does not have, with a warning, so a folder written by a newer toolkit
still opens; a missing required field or an unreadable file raises the caller's error type.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import os
import types
import typing
import uuid
from collections.abc import Mapping
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any, TypeVar

from hyperword.text_files import read_text

__all__ = [
    "VERSION_KEY",
    "config_from_dict",
    "field_type_error",
    "load_config",
    "mistyped_field",
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

    `hyperword_version` is dropped silently when `cls` has no such field. A value of the
    wrong type for a scalar field (`field_type_error`: `"seed": "3"` for an int) raises
    `error` (a `TypeError` when None) naming the first such field, before the dataclass is
    built; so does a missing required field. The dataclass's own checks raise theirs.
    """
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known - {VERSION_KEY})
    if unknown:
        logger.warning("ignoring unknown keys in %s: %s", source, ", ".join(unknown))
    mistyped = mistyped_field(cls, {key: data[key] for key in known & set(data)})
    if mistyped:
        raise (error or TypeError)(f"{source} is invalid: '{mistyped[0]}' {mistyped[1]}")
    try:
        return cls(**{key: value for key, value in data.items() if key in known})
    except TypeError as cause:  # a required field missing
        if error is None:
            raise
        raise error(f"{source} is incomplete: {cause}") from None


def field_type_error(cls: type, key: str, value: Any) -> str | None:
    """Why `value` cannot be field `key` of the dataclass `cls` (`"must be a finite number,
    got '0.5'"`), or None. Only scalar fields are checked (int, float, str, bool, each optionally
    None): a float takes an int but not a bool or a NaN, an int takes neither a bool nor a
    float. The kinds are named as JSON writes them (`null`, `true or false`)."""
    allowed = _scalar_kinds(cls).get(key)
    if allowed is None or any(_fits(value, kind) for kind in allowed):
        return None
    expected = " or ".join(_KIND_NAMES[kind] for kind in allowed)
    return f"must be {expected}, got {value!r}"


def mistyped_field(cls: type, data: Mapping[str, Any]) -> tuple[str, str] | None:
    """The first field of `data` (by name) whose value is of the wrong type for the dataclass
    `cls`, with why (`field_type_error`); None when every value fits."""
    for key in sorted(data):
        problem = field_type_error(cls, key, data[key])
        if problem:
            return key, problem
    return None


_KIND_NAMES = {
    int: "an integer",
    float: "a finite number",
    str: "a string",
    bool: "true or false",
    type(None): "null",
}
_SCALARS = tuple(_KIND_NAMES)


@functools.cache
def _scalar_kinds(cls: type) -> dict[str, tuple[type, ...]]:
    """The types each scalar field of `cls` allows (fields of other types are left out)."""
    kinds = {}
    for name, hint in typing.get_type_hints(cls).items():
        union = isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union
        allowed = typing.get_args(hint) if union else (hint,)
        if all(kind in _SCALARS for kind in allowed):
            kinds[name] = allowed
    return kinds


def _fits(value: Any, kind: type) -> bool:
    if kind is type(None):
        return value is None
    if isinstance(value, bool):
        return kind is bool
    if kind is float:
        return isinstance(value, (int, float)) and math.isfinite(value)
    return isinstance(value, kind)


def load_config(
    cls: type[T], path: str | Path, *, error: type[Exception], what: str = "config"
) -> T:
    """Read a config file written by `save_config` (see `read_json`, `config_from_dict`)."""
    data = read_json(path, error=error, what=what)
    return config_from_dict(cls, data, source=str(path), error=error)
