"""An encoder folder: `config.json`, `encoder.safetensors` and `adapter/` (peft), on disk.

`save_encoder` writes a temporary folder and renames it into place, so a folder is complete
or absent; `load_encoder` checks every part and the base model it is loaded onto, and
raises one `CheckpointError` or `ModelMismatchError` naming what is wrong.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path
from typing import Any

import torch

from hyperword.encoder.config import EncoderConfig
from hyperword.encoder.exceptions import CheckpointError, EncoderError, ModelMismatchError

__all__ = [
    "ADAPTER_DIR",
    "CONFIG_FILE",
    "DECODER_ADAPTER",
    "DEFAULT_ENCODERS",
    "ENCODER_ADAPTER",
    "WEIGHTS_FILE",
    "base_fingerprint",
    "folder_digest",
    "load_encoder",
    "replace_folder",
    "save_encoder",
    "set_lora_trainable",
]

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "encoder.safetensors"
ADAPTER_DIR = "adapter"
DECODER_ADAPTER = "default"  # peft's name for the first adapter; saved at ADAPTER_DIR's root
ENCODER_ADAPTER = "encoder"  # saved in ADAPTER_DIR/encoder/
_ENCODER_DATA = Path(__file__).parent.parent / "data" / "encoders"
DEFAULT_ENCODERS = {"gemma-3-270m": _ENCODER_DATA / "gemma-3-270m"}


def base_fingerprint(model) -> dict:
    """What must match between an encoder and the base model it is loaded onto."""
    config = model.config
    return {
        "hidden_size": int(config.hidden_size),
        "num_hidden_layers": int(config.num_hidden_layers),
        "vocab_size": int(config.vocab_size),
    }


def save_encoder(encoder: Any, path: str | Path, *, dtype: torch.dtype) -> Path:
    """Write `encoder`'s folder at `path` (see the module docstring); returns `path`."""
    from safetensors.torch import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        encoder.config.save(tmp / CONFIG_FILE)
        state = {k: v.to(dtype) for k, v in encoder.trainable_state().items()}
        save_file(state, str(tmp / WEIGHTS_FILE), metadata={"format": "pt"})
        # Both adapters (the decoder's at the folder's root, the encoder's in a subfolder),
        # converted to `dtype` without copying the frozen base weights.
        model = encoder.model
        adapter_state = {
            k: v.detach().to(dtype) for k, v in model.state_dict().items() if "lora_" in k
        }
        model.save_pretrained(
            str(tmp / ADAPTER_DIR), state_dict=adapter_state, save_embedding_layers=False
        )
        _make_readable(tmp)  # mkdtemp makes it private; a saved encoder is shared data
        replace_folder(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return path


def load_encoder(
    cls: type,
    path: str | Path | None,
    *,
    model=None,
    tokenizer=None,
    device: str | None = None,
    dtype: torch.dtype | None = None,
    trainable: bool = False,
):
    """An encoder of class `cls` from its folder (see `HyperwordEncoder.from_pretrained`)."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    path = Path(path) if path is not None else _default_path()
    config = _read_config(path)
    if model is None:
        from hyperword.models import load_base_model

        model, tokenizer = load_base_model(config.base_model, device=device, dtype=dtype)
    elif tokenizer is None:
        raise EncoderError("pass the tokenizer together with the model")
    found = base_fingerprint(model)
    if config.base_fingerprint and config.base_fingerprint != found:
        raise ModelMismatchError(
            f"encoder {path} was trained for {config.base_model} "
            f"{config.base_fingerprint}; this base model has {found}"
        )
    try:
        state = load_file(str(path / WEIGHTS_FILE))
    except (SafetensorError, OSError, ValueError) as error:
        raise CheckpointError(f"cannot read {path / WEIGHTS_FILE}: {error}") from None
    peft_model = _load_adapters(model, path / ADAPTER_DIR, config, trainable=trainable)
    encoder = cls(config, peft_model, tokenizer)
    encoder.load_trainable_state({k: v.float() for k, v in state.items()}, source=str(path))
    encoder.weights_digest = _digest(path / WEIGHTS_FILE, path / ADAPTER_DIR)
    if not trainable:
        encoder.eval()
    return encoder


def _read_config(path: Path) -> EncoderConfig:
    if not (path / CONFIG_FILE).is_file():
        raise CheckpointError(f"{path} is not an encoder folder (no {CONFIG_FILE})")
    config = EncoderConfig.load(path / CONFIG_FILE)
    needed = [WEIGHTS_FILE, f"{ADAPTER_DIR}/adapter_config.json"]
    if config.encoder_lora_r:
        needed.append(f"{ADAPTER_DIR}/{ENCODER_ADAPTER}/adapter_config.json")
    for name in needed:
        if not (path / name).is_file():
            raise CheckpointError(f"encoder folder {path} is missing {name}")
    return config


def _load_adapters(model, folder: Path, config: EncoderConfig, *, trainable: bool):
    """The decoder adapter (and the encoder adapter, when the config has one) on `model`."""
    from peft import PeftModel

    try:
        peft_model = PeftModel.from_pretrained(model, str(folder), is_trainable=trainable)
        if config.encoder_lora_r:
            peft_model.load_adapter(
                str(folder / ENCODER_ADAPTER), adapter_name=ENCODER_ADAPTER, is_trainable=trainable
            )
            peft_model.set_adapter(DECODER_ADAPTER)
            if trainable:  # set_adapter froze the encoder adapter
                set_lora_trainable(peft_model, True)
    except Exception as error:  # peft raises several types for a bad adapter folder
        raise CheckpointError(f"cannot load the adapter in {folder.parent}: {error}") from None
    return peft_model


def set_lora_trainable(model, trainable: bool) -> None:
    """Every LoRA pair of `model` (both adapters) trains or not; peft's `set_adapter`
    freezes the adapters it does not make active, so callers set this after it."""
    for name, param in model.named_parameters():
        if "lora_" in name:
            param.requires_grad_(trainable)


def folder_digest(path: str | Path | None = None) -> str | None:
    """The `weights_digest` an encoder loaded from `path` (default: the shipped one) gets,
    read from its files without loading anything; None where there is no encoder folder."""
    path = DEFAULT_ENCODERS["gemma-3-270m"] if path is None else Path(path)
    if not (path / WEIGHTS_FILE).is_file():
        return None
    return _digest(path / WEIGHTS_FILE, path / ADAPTER_DIR)


def _digest(*paths: Path) -> str:
    """A short digest of the weight files (names and bytes) under `paths`."""
    digest = hashlib.sha256()
    files = [p for path in paths for p in ([path] if path.is_file() else sorted(path.rglob("*")))]
    for file in files:
        if file.is_file() and file.suffix == ".safetensors":
            digest.update(file.name.encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


def _make_readable(folder: Path) -> None:
    folder.chmod(0o755)
    for item in folder.rglob("*"):
        item.chmod(0o755 if item.is_dir() else 0o644)


def _default_path() -> Path:
    path = DEFAULT_ENCODERS["gemma-3-270m"]
    if not (path / CONFIG_FILE).is_file():
        raise EncoderError(
            f"no trained default encoder at {path}; train one with `hyperword train --config`"
        )
    return path


def replace_folder(new: Path, target: Path) -> None:
    """Move `new` to `target`, replacing an old folder only once the new one is complete."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        target.rename(old)
    new.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
