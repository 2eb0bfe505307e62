"""A cache of GGUF models dequantized once and saved as safetensors.

transformers dequantizes a GGUF file on every load (about 45 s for Gemma 3 270M) and refuses
to `save_pretrained` such a model. We rebuild the model from its config, load the dequantized
state dict, save that folder once, and load it from then on in seconds. Entries are keyed by
the sha256 of the source file; an entry is written to a temporary folder and renamed into
place, so an interrupted build never leaves a half-written entry behind.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from pathlib import Path

from hyperword import __version__
from hyperword.exceptions import CacheError

__all__ = ["MANIFEST_NAME", "ModelCache", "default_cache_dir"]

logger = logging.getLogger(__name__)

MANIFEST_NAME = "hyperword-cache.json"
_TIED_KEYS = {"lm_head.weight"}


def default_cache_dir() -> Path:
    """`$HYPERWORD_CACHE`, else `~/.cache/hyperword`."""
    return Path(os.environ.get("HYPERWORD_CACHE") or Path.home() / ".cache" / "hyperword")


class ModelCache:
    """Dequantized copies of GGUF models, one folder per source-file hash."""

    def __init__(self, root: str | os.PathLike | None = None):
        self.root = Path(root) if root is not None else default_cache_dir()
        if self.root.exists() and not self.root.is_dir():
            raise CacheError(f"cache path {self.root} is a file; set HYPERWORD_CACHE to a folder")

    @property
    def gguf_dir(self) -> Path:
        """Where GGUF files assembled from package chunks are written."""
        return self._mkdir(self.root / "gguf")

    def entry_dir(self, gguf_path: Path) -> Path:
        return self.root / "models" / self.file_sha256(gguf_path)[:24]

    def is_valid(self, entry: Path) -> bool:
        """True when the entry's manifest exists and every file it lists has its recorded size."""
        manifest = entry / MANIFEST_NAME
        if not manifest.is_file():
            return False
        try:
            files = json.loads(manifest.read_text())["files"]
        except (ValueError, KeyError):
            return False
        return all(
            (entry / name).is_file() and (entry / name).stat().st_size == size
            for name, size in files.items()
        )

    def lookup(self, gguf_path: Path) -> Path | None:
        """The entry for `gguf_path` if it exists and is whole, else `None`."""
        entry = self.entry_dir(gguf_path)
        return entry if self.is_valid(entry) else None

    def build(self, gguf_path: Path) -> Path:
        """Dequantize `gguf_path` and save it as a safetensors folder; returns the folder."""
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        entry = self.entry_dir(gguf_path)
        tmp = entry.with_name(f"{entry.name}.tmp-{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        self._mkdir(entry.parent)
        logger.info("dequantizing %s once into %s (about a minute)", gguf_path.name, entry)
        folder, name = str(gguf_path.parent), gguf_path.name
        tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
        quantized = AutoModelForCausalLM.from_pretrained(
            folder, gguf_file=name, dtype=torch.float32
        )
        config = quantized.config
        if hasattr(config, "quantization_config"):
            del config.quantization_config
        model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
        result = model.load_state_dict(quantized.state_dict(), strict=False)
        missing = [key for key in result.missing_keys if key not in _TIED_KEYS]
        if missing:
            raise CacheError(f"dequantized {gguf_path.name} lacks weights {missing[:5]}")
        model.tie_weights()
        del quantized
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        files = {p.name: p.stat().st_size for p in tmp.iterdir() if p.is_file()}
        manifest = {
            "source": gguf_path.name,
            "source_sha256": self.file_sha256(gguf_path),
            "hyperword_version": __version__,
            "files": files,
        }
        (tmp / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, sort_keys=True))
        shutil.rmtree(entry, ignore_errors=True)
        os.replace(tmp, entry)
        return entry

    def invalidate(self, entry: Path) -> None:
        """Remove an entry (used when its files fail to load)."""
        shutil.rmtree(entry, ignore_errors=True)

    def file_sha256(self, path: Path) -> str:
        """sha256 of a file, remembered by (path, size, mtime) so a 250 MB file is hashed once."""
        path = Path(path).resolve()
        stat = path.stat()
        key = f"{path}|{stat.st_size}|{stat.st_mtime_ns}"
        memo_path = self.root / "hashes.json"
        try:
            memo = json.loads(memo_path.read_text())
        except (OSError, ValueError):
            memo = {}
        if key not in memo:
            digest = hashlib.sha256()
            with path.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            memo[key] = digest.hexdigest()
            self._mkdir(self.root)
            tmp = memo_path.with_name(f"hashes.json.tmp-{os.getpid()}")
            tmp.write_text(json.dumps(memo, indent=1, sort_keys=True))
            os.replace(tmp, memo_path)
        return memo[key]

    @staticmethod
    def _mkdir(path: Path) -> Path:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CacheError(
                f"cannot create cache folder {path} ({error}); set HYPERWORD_CACHE to a "
                "writable folder"
            ) from error
        return path
