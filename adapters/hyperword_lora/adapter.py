"""`HyperwordAdapter`: a trained hyperword-reading adapter, saved and loaded as a folder.

A folder holds `config.json` (sorted keys, toolkit version, the training settings and the
hyperword tokenizer's fingerprint), `lora/` (the peft adapter, stored as bfloat16) and, when
trained, `composer/`. The one shipped for Gemma 3 270M lives in
`hyperword/data/adapters/gemma-3-270m-hyperword-lora/` (`"default"`).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

from adapters.exceptions import TrainingConfigError
from adapters.hyperword_lora.config import HyperwordLoraConfig, TrainingLog, config_from_dict
from hyperword.config_io import read_json, write_json

__all__ = [
    "ADAPTER_CONFIG",
    "SHIPPED_ADAPTERS",
    "HyperwordAdapter",
    "load_hyperword_adapter",
    "resolve_adapter_folder",
    "save_hyperword_adapter",
]

logger = logging.getLogger(__name__)

ADAPTER_CONFIG = "config.json"
LORA_DIR = "lora"
COMPOSER_DIR = "composer"
SHIPPED_ADAPTERS = Path(__file__).resolve().parents[2] / "hyperword" / "data" / "adapters"


@dataclass
class HyperwordAdapter:
    """A base model with the reading adapter, its composer, and what it was trained with.

    Attributes:
        model: The peft-wrapped model (or, loaded with `merge`, the base model class with the
            LoRA weights merged in).
        composer: The `HyperwordComposer` for hyperword positions, or None (the mean).
        config: The training settings.
        record: The folder's `config.json` (when loaded).
    """

    model: Any
    composer: Any = None
    config: HyperwordLoraConfig | None = None
    record: dict[str, Any] = field(default_factory=dict)

    def save_pretrained(
        self,
        folder: str | Path,
        *,
        tokenizer: Any,
        log: TrainingLog | None = None,
        data: dict[str, Any] | None = None,
    ) -> Path:
        """Write `config.json`, `lora/` and (when there is one) `composer/` into `folder`.

        Args:
            folder: Where to write.
            tokenizer: The `HyperwordTokenizer` it was trained with (its fingerprint is kept).
            log: The training log (steps and final loss are kept).
            data: Recorded as is: what the windows were made of (e.g. a command's options).
        """
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.model.save_pretrained(str(folder / LORA_DIR), save_embedding_layers=False)
        _store_as_bfloat16(folder / LORA_DIR / "adapter_model.safetensors")
        if self.composer is not None:
            self.composer.save_pretrained(folder / COMPOSER_DIR)
        self.record = {
            "kind": "hyperword-lora",
            "training": asdict(self.config or HyperwordLoraConfig()),
            "base_model": str(getattr(self.model.get_base_model(), "name_or_path", "")),
            "tokenizer_fingerprint": tokenizer.fingerprint,
            "tokenizer_base": tokenizer.config.base_name,
            "num_hyperwords": tokenizer.num_hyperwords,
            "steps": log.steps if log else None,
            "final_loss": round(log.mean_loss(), 4) if log else None,
            "data": data or {},
        }
        write_json(folder / ADAPTER_CONFIG, self.record)
        for item in folder.rglob("*"):  # safetensors writes owner-only files; others must read
            item.chmod(0o755 if item.is_dir() else 0o644)
        return folder

    @classmethod
    def from_pretrained(
        cls, folder: str | Path, model: Any, *, tokenizer: Any = None, merge: bool = True
    ) -> HyperwordAdapter:
        """Apply a saved adapter to `model` (in place) and load its composer.

        Args:
            folder: A folder written by `save_pretrained`, or `"default"` / a base model alias
                (the shipped one).
            model: The base model it was trained on.
            tokenizer: When given, its fingerprint must match the one the adapter was trained
                with (a warning otherwise: the adapter may still help, but was not measured so).
            merge: Merge the LoRA weights into the model (faster inference; returns the base
                model class) instead of keeping a peft wrapper.
        """
        from peft import PeftModel

        from hyperword.tokenizer.composer import HyperwordComposer

        folder = resolve_adapter_folder(folder)
        try:
            record = read_json(folder / ADAPTER_CONFIG, error=ValueError)
        except ValueError as error:
            raise TrainingConfigError(
                f"{folder} is not a hyperword adapter folder: {error}"
            ) from error
        if tokenizer is not None and record.get("tokenizer_fingerprint") != tokenizer.fingerprint:
            logger.warning(
                "adapter %s was trained with another hyperword tokenizer (%s hyperwords)",
                folder,
                record.get("num_hyperwords"),
            )
        wrapped = PeftModel.from_pretrained(model, str(folder / LORA_DIR))
        wrapped.eval()
        if merge:
            wrapped = wrapped.merge_and_unload()
        composer = None
        if (folder / COMPOSER_DIR).is_dir():
            composer = HyperwordComposer.from_pretrained(folder / COMPOSER_DIR).to(model.device)
        config = config_from_dict(record.get("training") or {})
        return cls(model=wrapped, composer=composer, config=config, record=record)


def save_hyperword_adapter(
    folder: str | Path,
    peft_model: Any,
    composer: Any,
    config: HyperwordLoraConfig,
    *,
    tokenizer: Any,
    log: TrainingLog | None = None,
    data: dict[str, Any] | None = None,
) -> Path:
    """`HyperwordAdapter(peft_model, composer, config).save_pretrained(folder, ...)`."""
    adapter = HyperwordAdapter(peft_model, composer, config)
    return adapter.save_pretrained(folder, tokenizer=tokenizer, log=log, data=data)


def load_hyperword_adapter(
    model: Any, folder: str | Path, *, tokenizer: Any = None, merge: bool = True
) -> tuple[Any, Any]:
    """`(model, composer or None)` of `HyperwordAdapter.from_pretrained(folder, model, ...)`."""
    adapter = HyperwordAdapter.from_pretrained(folder, model, tokenizer=tokenizer, merge=merge)
    return adapter.model, adapter.composer


def resolve_adapter_folder(name_or_path: str | Path) -> Path:
    """An adapter folder: `name_or_path` itself, or `"default"` / a base model alias for the
    adapter shipped in `hyperword/data/adapters/<alias>-hyperword-lora/`."""
    path = Path(name_or_path)
    if path.is_dir():
        return path
    alias = "gemma-3-270m" if str(name_or_path) == "default" else str(name_or_path)
    shipped = SHIPPED_ADAPTERS / f"{alias}-hyperword-lora"
    if (shipped / ADAPTER_CONFIG).is_file():
        return shipped
    raise TrainingConfigError(
        f"no hyperword adapter at {name_or_path} (and none shipped for '{alias}'); train one "
        f"with `python -m eval.benchmarks.bench_hyperword_model --train-adapter DIR`"
    )


def _store_as_bfloat16(path: Path) -> None:
    """Rewrite a safetensors file in bfloat16 (half the size; loading casts back)."""
    from safetensors.torch import load_file, save_file

    tensors = load_file(str(path))
    save_file({k: v.to(torch.bfloat16).contiguous() for k, v in tensors.items()}, str(path))
