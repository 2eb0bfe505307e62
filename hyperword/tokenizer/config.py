"""`HyperwordTokenizerConfig`: what a saved hyperword tokenizer records about itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hyperword.config_io import load_config, save_config
from hyperword.tokenizer.exceptions import CorruptTokenizerError, TokenizerConfigError

__all__ = ["CONFIG_NAME", "FORMAT_VERSION", "HyperwordTokenizerConfig"]

CONFIG_NAME = "config.json"
FORMAT_VERSION = 1


@dataclass
class HyperwordTokenizerConfig:
    """The identity of a hyperword tokenizer and of the base tokenizer it extends."""

    base_name: str = field(metadata={"help": "Alias or path of the base tokenizer."})
    base_vocab_size: int = field(metadata={"help": "len(base tokenizer); hyperword ids follow."})
    base_fingerprint: str = field(metadata={"help": "sha256 of the base tokenizer's vocab."})
    num_hyperwords: int = field(default=0, metadata={"help": "Number of hyperword ids."})
    trainer: str = field(default="ngram", metadata={"help": "Registered trainer name."})
    trainer_options: dict[str, Any] = field(
        default_factory=dict, metadata={"help": "Options passed to the trainer."}
    )
    format_version: int = field(default=FORMAT_VERSION, metadata={"help": "File format."})
    hyperword_version: str = field(default="", metadata={"help": "Toolkit version that saved."})

    def __post_init__(self) -> None:
        if self.base_vocab_size < 1:
            raise TokenizerConfigError(f"base_vocab_size must be >= 1, got {self.base_vocab_size}")
        if self.num_hyperwords < 0:
            raise TokenizerConfigError(f"num_hyperwords must be >= 0, got {self.num_hyperwords}")
        if self.format_version != FORMAT_VERSION:
            raise CorruptTokenizerError(
                f"tokenizer format version {self.format_version} is not supported "
                f"(this toolkit reads version {FORMAT_VERSION}); retrain the tokenizer"
            )

    def save(self, folder: str | Path) -> Path:
        """Write `config.json` into `folder` (sorted keys) and return its path."""
        return save_config(self, Path(folder) / CONFIG_NAME)

    @classmethod
    def load(cls, folder: str | Path) -> HyperwordTokenizerConfig:
        """Read `config.json` from `folder`; unknown keys are dropped with a warning."""
        path = Path(folder) / CONFIG_NAME
        return load_config(cls, path, error=CorruptTokenizerError, what="tokenizer config")
