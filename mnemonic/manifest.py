"""`store.json`: what produced a store's vectors, so incompatible writers are refused."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from hyperword import __version__
from hyperword.config_io import config_from_dict, read_json, write_json
from mnemonic.exceptions import IncompatibleStoreError, StoreError

__all__ = ["MANIFEST", "StoreManifest"]

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
        if data.get("format_version", 0) > FORMAT_VERSION:
            raise IncompatibleStoreError(
                f"store {folder} has format version {data['format_version']}; this toolkit "
                f"({__version__}) reads up to {FORMAT_VERSION}: upgrade hyperword"
            )
        return config_from_dict(cls, data, source=f"the store manifest {path}", error=StoreError)

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
