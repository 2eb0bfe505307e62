"""Hyperword tokenizers that ship inside the package, one per supported base model alias.

`HyperwordTokenizer.from_pretrained("gemma-3-270m")` (a name that is not a folder) and
`default_tokenizer()` load them. Each lives in `hyperword/data/tokenizers/<alias>/` with a
README giving the exact command that trained it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from hyperword.tokenizer.exceptions import CorruptTokenizerError

if TYPE_CHECKING:
    from hyperword.tokenizer.tokenizer import HyperwordTokenizer

__all__ = ["SHIPPED_DIR", "default_tokenizer", "resolve_tokenizer_folder", "shipped_tokenizers"]

SHIPPED_DIR = Path(__file__).resolve().parent.parent / "data" / "tokenizers"
DEFAULT_BASE = "gemma-3-270m"


def shipped_tokenizers() -> list[str]:
    """Base model aliases with a shipped hyperword tokenizer."""
    if not SHIPPED_DIR.is_dir():
        return []
    return sorted(p.name for p in SHIPPED_DIR.iterdir() if (p / "config.json").is_file())


def resolve_tokenizer_folder(name_or_path: str | Path) -> Path:
    """A tokenizer folder: `name_or_path` itself when it is a folder, else a shipped one.

    Raises:
        CorruptTokenizerError: it is neither a folder nor the alias of a shipped tokenizer.
    """
    path = Path(name_or_path)
    if path.is_dir():
        return path
    shipped = SHIPPED_DIR / str(name_or_path)
    if str(name_or_path) in shipped_tokenizers():
        return shipped
    raise CorruptTokenizerError(
        f"no hyperword tokenizer folder at {name_or_path}; train one with `hyperword tokenizer "
        f"train` or name a shipped one: {', '.join(shipped_tokenizers()) or 'none installed'}"
    )


def default_tokenizer(
    base: str = DEFAULT_BASE, *, base_tokenizer: Any = None
) -> HyperwordTokenizer:
    """The shipped hyperword tokenizer for base model alias `base` (Gemma 3 270M by default).

    Args:
        base: A base model alias with a shipped tokenizer (see `shipped_tokenizers()`).
        base_tokenizer: The already-loaded base tokenizer, to avoid loading it again.
    """
    from hyperword.tokenizer.tokenizer import HyperwordTokenizer

    if base not in shipped_tokenizers():
        raise CorruptTokenizerError(
            f"no shipped hyperword tokenizer for '{base}'; shipped: "
            f"{', '.join(shipped_tokenizers()) or 'none'}; "
            "train one with `hyperword tokenizer train`"
        )
    return HyperwordTokenizer.from_pretrained(SHIPPED_DIR / base, base_tokenizer=base_tokenizer)
