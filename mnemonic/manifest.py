"""`store.json`: what produced a store's vectors, so incompatible writers are refused."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from hyperword import __version__
from hyperword.config_io import config_from_dict, read_json, write_json
from hyperword.models import DEFAULT_MODEL
from mnemonic.chunking import ChunkingConfig
from mnemonic.exceptions import ConfigError, IncompatibleStoreError, StoreError

__all__ = ["MANIFEST", "StoreManifest", "embedder_identity", "open_manifest"]

MANIFEST = "store.json"
FORMAT = "hyperword-mnemonic"
FORMAT_VERSION = 1


@dataclass
class StoreManifest:
    """Identity of a store: embedder, base model (tokenizer), chunking and encoders."""

    embedder_id: str
    embedding_dim: int
    base_model: str
    chunking: dict[str, Any]
    encoders: dict[str, dict[str, str]] = field(default_factory=dict)  # level -> id, version
    toolkit_version: str = __version__
    format: str = FORMAT
    format_version: int = FORMAT_VERSION
    created_at: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        """Check every field's type and range (`StoreError` naming the field)."""
        for name in ("embedder_id", "base_model", "toolkit_version", "format"):
            _require(name, getattr(self, name), isinstance(getattr(self, name), str), "a string")
            _require(name, getattr(self, name), bool(getattr(self, name)), "a non-empty string")
        for name, low in (("embedding_dim", 1), ("format_version", 1)):
            value = getattr(self, name)
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= low
            _require(name, value, ok, f"an integer >= {low}")
        number = isinstance(self.created_at, (int, float)) and not isinstance(self.created_at, bool)
        _require("created_at", self.created_at, number, "a number (unix seconds)")
        _require("chunking", self.chunking, isinstance(self.chunking, dict), "an object")
        try:
            ChunkingConfig(**self.chunking)
        except (TypeError, ConfigError) as error:
            raise StoreError(f"field 'chunking' is invalid: {error}") from None
        _require("encoders", self.encoders, isinstance(self.encoders, dict), "an object")
        for level, encoder in self.encoders.items():
            ok = isinstance(encoder, dict) and all(
                isinstance(encoder.get(key), str) for key in ("id", "version")
            )
            _require(f"encoders.{level}", encoder, ok, 'an object {"id": str, "version": str}')

    def save(self, folder: Path) -> None:
        """Write `store.json` atomically (sorted keys)."""
        self.toolkit_version = __version__
        write_json(Path(folder) / MANIFEST, asdict(self), version=False)  # toolkit_version

    @classmethod
    def load(cls, folder: Path) -> StoreManifest:
        """Read `store.json`; unknown keys are dropped with a warning."""
        path = Path(folder) / MANIFEST
        data = read_json(path, error=StoreError, what="the store manifest")
        if data.get("format") != FORMAT:
            raise StoreError(f"{path} is not a Hyperword store manifest")
        version = data.get("format_version", 0)
        if not isinstance(version, int) or isinstance(version, bool):
            raise StoreError(
                f"the store manifest {path} is invalid: field 'format_version' must be an "
                f"integer, got {version!r}; fix it or restore the file"
            )
        if version > FORMAT_VERSION:
            raise IncompatibleStoreError(
                f"store {folder} has format version {data['format_version']}; this toolkit "
                f"({__version__}) reads up to {FORMAT_VERSION}: upgrade hyperword"
            )
        try:
            return config_from_dict(
                cls, data, source=f"the store manifest {path}", error=StoreError
            )
        except StoreError as error:
            if str(error).startswith("the store manifest"):  # a field missing or mistyped
                raise StoreError(f"{error}; fix it or restore the file") from None
            raise StoreError(
                f"the store manifest {path} is invalid: {error}; fix it or restore the file"
            ) from None

    def check(
        self,
        *,
        folder: Path,
        embedder_id: str | None = None,
        embedding_dim: int | None = None,
        base_model: str | None = None,
        chunking: dict[str, Any] | None = None,
        encoders: dict[str, dict[str, str]] | None = None,
    ) -> None:
        """Raise `IncompatibleStoreError` naming both sides of the first mismatch."""
        pairs = [
            ("embedder", self.embedder_id, embedder_id),
            ("embedding dimension", self.embedding_dim, embedding_dim),
            ("base model", self.base_model, base_model),
            ("chunking", self.chunking, chunking),
        ]
        for level, given in (encoders or {}).items():
            if level in self.encoders:
                pairs.append((f"{level} encoder", self.encoders[level], given))
        for what, stored, given in pairs:
            if given is not None and given != stored:
                raise IncompatibleStoreError(
                    f"store {folder} was built with {what} {stored!r}, not {given!r}; open it "
                    f"with the same settings or use a new store folder"
                )


def _require(name: str, value: Any, ok: bool, what: str) -> None:
    if not ok:
        raise StoreError(f"field '{name}' must be {what}, got {value!r}")


def embedder_identity(embedder: Any) -> tuple[str, int]:
    """`(id, dim)` of a sentence-transformers-like embedder."""
    name = getattr(embedder, "hyperword_id", None) or getattr(embedder, "name_or_path", None)
    if not name:
        raise ConfigError("the embedder needs a `hyperword_id` (use hyperword.load_embedder)")
    for method in ("get_embedding_dimension", "get_sentence_embedding_dimension"):
        if hasattr(embedder, method):
            return str(name), int(getattr(embedder, method)())
    raise ConfigError(f"cannot tell the dimension of embedder {name!r}")


def open_manifest(
    folder: Path,
    *,
    embedder: Any,
    load_embedder: Callable[[], Any],
    base_model: str | None,
    chunking: ChunkingConfig | None,
    encoders: dict[str, dict[str, str]],
    create: bool,
) -> StoreManifest:
    """The manifest of the store in `folder`, checked against what it is opened with.

    An existing store must match the given embedder, base model, chunking and encoders (a
    level's encoder is recorded the first time one is given); a new one records them.

    Args:
        folder: The store folder.
        embedder: The embedder given (None: the store's own, loaded on use).
        load_embedder: Loads the default embedder, for a new store given none.
        base_model: The base model whose tokenizer counts tokens (None: the recorded one).
        chunking: The chunking settings given (None: the recorded ones).
        encoders: `{level: {"id", "version"}}` of the chunk encoders given.
        create: Create the store when missing.

    Raises:
        StoreError: `folder` is a file, a folder that is not a store, or missing with
            `create` off.
        IncompatibleStoreError: The store was built with something else.
    """
    if folder.exists() and not folder.is_dir():
        raise StoreError(f"store path {folder} is a file, not a folder")
    if (folder / MANIFEST).is_file():
        manifest = StoreManifest.load(folder)
        given_id, given_dim = embedder_identity(embedder) if embedder is not None else (None, None)
        manifest.check(
            folder=folder,
            embedder_id=given_id,
            embedding_dim=given_dim,
            base_model=base_model,
            chunking=chunking.to_dict() if chunking else None,
            encoders=encoders,
        )
        new_levels = set(encoders) - set(manifest.encoders)
        if new_levels:
            manifest.encoders.update({level: encoders[level] for level in new_levels})
            manifest.save(folder)
        return manifest
    if folder.is_dir() and any(folder.iterdir()):
        raise StoreError(f"{folder} is a non-empty folder without {MANIFEST}: not a store")
    if not create:
        raise StoreError(f"no store at {folder} (ingest something first)")
    embedder_id, dim = embedder_identity(embedder if embedder is not None else load_embedder())
    return _create(folder, embedder_id, dim, base_model, chunking, encoders)


def _create(
    folder: Path,
    embedder_id: str,
    dim: int,
    base_model: str | None,
    chunking: ChunkingConfig | None,
    encoders: dict[str, dict[str, str]],
) -> StoreManifest:
    """A new store's manifest, written into `folder` (created)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StoreError(f"cannot create store folder {folder}: {error}") from error
    manifest = StoreManifest(
        embedder_id=embedder_id,
        embedding_dim=dim,
        base_model=base_model or DEFAULT_MODEL,
        chunking=(chunking or ChunkingConfig()).to_dict(),
        encoders=encoders,
    )
    manifest.save(folder)
    return manifest
