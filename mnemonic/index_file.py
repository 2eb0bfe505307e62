"""The FAISS index on disk: `index-<token>.faiss` and its `index.json` sidecar.

The sidecar is the index's manifest: the file it names, that file's size and SHA-256, the
kind, dimension, vector count, largest `seq` and the `chunks` table version it reflects. Both
files are replaced atomically (write, then rename), so a reader never sees a half-written
index. Loading checks the size and the checksum before FAISS reads a byte, so a file garbled
in place (same size) is caught: anything that does not match is an `IndexLoadError`, and the
store rebuilds the index from LanceDB (the truth).
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import faiss
import numpy as np

from mnemonic.exceptions import IndexLoadError, StoreError

if TYPE_CHECKING:
    from mnemonic.index import VectorIndex

__all__ = ["INDEX_FILES", "SIDECAR", "load_index", "save_index"]

SIDECAR = "index.json"
INDEX_FILES = "index-*.faiss"
_FORMAT_VERSION = 2  # 2: the sidecar records the index file's SHA-256


def save_index(index: VectorIndex, cpu_index: faiss.Index, folder: Path) -> Path:
    """Write `cpu_index` and the sidecar describing `index`; remove index files no longer named.

    Raises:
        StoreError: The folder cannot be written.
    """
    name = f"index-{uuid.uuid4().hex[:12]}.faiss"
    data = faiss.serialize_index(cpu_index)  # (bytes,) uint8
    sidecar = {
        "format_version": _FORMAT_VERSION,
        "file": name,
        "bytes": int(data.nbytes),
        "sha256": hashlib.sha256(data.tobytes()).hexdigest(),
        "kind": index.kind,
        "dim": index.dim,
        "ntotal": index.ntotal,
        "max_seq": index.max_seq,
        "table_version": index.table_version,
    }
    try:
        _write_atomic(folder / name, data.tobytes())
        _write_atomic(folder / SIDECAR, json.dumps(sidecar, sort_keys=True, indent=1).encode())
    except OSError as error:
        raise StoreError(f"cannot save the index in {folder}: {error.strerror or error}") from None
    for old in folder.glob(INDEX_FILES):
        if old.name != name:
            old.unlink(missing_ok=True)
    return folder / name


def load_index(folder: Path, *, dim: int) -> tuple[faiss.Index, dict[str, Any]]:
    """The saved index and its sidecar, checked; `IndexLoadError` when anything is off."""
    from mnemonic.index import INDEX_KINDS

    sidecar = _read_sidecar(folder)
    path = folder / sidecar["file"]
    if sidecar["dim"] != dim or sidecar["kind"] not in INDEX_KINDS:
        raise IndexLoadError(f"index in {folder} does not match (dim, kind)")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise IndexLoadError(f"index file {path} is missing: {error}") from error
    if len(data) != sidecar["bytes"]:
        raise IndexLoadError(f"index file {path} is truncated ({len(data)} of {sidecar['bytes']})")
    if hashlib.sha256(data).hexdigest() != sidecar["sha256"]:
        raise IndexLoadError(f"index file {path} does not match its checksum (damaged)")
    try:
        loaded = faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
    except RuntimeError as error:
        raise IndexLoadError(f"index file {path} is corrupt: {error}") from error
    if loaded.ntotal != sidecar["ntotal"] or loaded.d != dim:
        raise IndexLoadError(f"index file {path} does not match its sidecar")
    return loaded, sidecar


def _read_sidecar(folder: Path) -> dict[str, Any]:
    try:
        sidecar = json.loads((folder / SIDECAR).read_text())
        checked = {
            "file": str,
            "bytes": int,
            "sha256": str,
            "kind": str,
            "dim": int,
            "ntotal": int,
            "max_seq": int,
            "table_version": int,
        }
        if sidecar.get("format_version") != _FORMAT_VERSION:
            raise ValueError(f"format version {sidecar.get('format_version')!r}")
        for key, kind in checked.items():
            if not isinstance(sidecar.get(key), kind):
                raise ValueError(f"field {key!r} is {sidecar.get(key)!r}")
    except FileNotFoundError as error:
        raise IndexLoadError(f"no index in {folder}") from error
    except (OSError, ValueError, AttributeError) as error:
        raise IndexLoadError(f"unreadable index sidecar in {folder}: {error}") from error
    if "/" in sidecar["file"] or not sidecar["file"].startswith("index-"):
        raise IndexLoadError(f"index sidecar in {folder} names an unexpected file")
    return sidecar


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
