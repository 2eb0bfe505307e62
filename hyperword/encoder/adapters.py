"""The encoder's LoRA adapters on the base model, and growing them on a trained encoder.

The decoder adapter (`DECODER_ADAPTER`) reads soft tokens; an optional encoder adapter
(`ENCODER_ADAPTER`, `EncoderConfig.encoder_lora_r`) reads the spans. Both live on one peft
model over the same base. A trained encoder can grow either (`add_lora_targets`,
`add_encoder_adapter`; `init_from` in training): peft starts every new LoRA pair with B = 0,
so the soft tokens and the decoder are unchanged until the new pairs train.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hyperword.encoder.config import EncoderConfig
from hyperword.encoder.exceptions import EncoderError
from hyperword.encoder.folder import DECODER_ADAPTER, ENCODER_ADAPTER, set_lora_trainable

__all__ = ["add_encoder_adapter", "add_lora_targets", "attach_encoder_adapter", "lora_config"]


def lora_config(rank: int, config: EncoderConfig):
    """A peft `LoraConfig` of `rank` on `config.lora_targets`, at the decoder adapter's scale."""
    from peft import LoraConfig

    return LoraConfig(
        r=rank,
        lora_alpha=config.lora_alpha * rank // config.lora_r,  # the same scale for both
        target_modules=list(config.lora_targets),
        lora_dropout=0.0,
        bias="none",
    )


def _trainable(model) -> bool:
    """Whether the adapters train (the encoder was loaded for training)."""
    return any(p.requires_grad for n, p in model.named_parameters() if "lora_" in n)


def add_lora_targets(encoder: Any, targets: Sequence[str]):
    """`encoder`'s model with its decoder adapter on more of the base model's modules
    (`targets`: module names such as the MLP's `gate_proj`, `up_proj`, `down_proj`, the old
    ones included); `encoder.config` names them. The trained pairs keep their weights; the
    new ones start at B = 0. The caller replaces its model with the one returned.

    Raises:
        EncoderError: `targets` drops a module the adapter is on or adds none, or the
            encoder has an encoder adapter (it shares the targets; not supported).
    """
    from peft import get_peft_model

    config, model = encoder.config, encoder.model
    have, want = tuple(config.lora_targets), tuple(targets)
    if not set(have) < set(want) or config.encoder_lora_r:
        raise EncoderError(
            f"cannot put the decoder adapter on {list(want)} (it is on {list(have)}): "
            "give every module it is on and at least one more, to an encoder without an "
            "encoder adapter"
        )
    state = {k: v for k, v in model.state_dict().items() if "lora_" in k}
    trainable = _trainable(model)
    config.lora_targets = want
    grown = get_peft_model(model.unload(), lora_config(config.lora_r, config))
    unexpected = grown.load_state_dict(state, strict=False).unexpected_keys
    if unexpected:  # a peft naming change would silently drop the trained pairs
        raise EncoderError(f"the trained adapter does not fit its modules: {unexpected[:3]}")
    set_lora_trainable(grown, trainable)
    return grown


def add_encoder_adapter(encoder: Any, rank: int) -> None:
    """Read `encoder`'s spans through a new encoder adapter of `rank` (the features of a
    fine-tuned encoder, Feldman & Artzi 2025), as trainable as the decoder adapter. Its pairs
    start at B = 0, so the features, and the soft tokens, are the frozen ones until it trains
    (and they are no longer cached: `frozen_features` turns False).

    Raises:
        EncoderError: `rank` < 1, the encoder has an encoder adapter already, or its
            features have no hidden state for the adapter to change.
    """
    config, model = encoder.config, encoder.model
    if rank < 1 or config.encoder_lora_r or "hidden" not in config.features:
        raise EncoderError(
            f"cannot add an encoder adapter of rank {rank}: give a rank >= 1, to an encoder "
            f"without one (this has rank {config.encoder_lora_r}) that reads hidden states"
        )
    attach_encoder_adapter(model, rank, config)
    config.encoder_lora_r = rank


def attach_encoder_adapter(model, rank: int, config: EncoderConfig) -> None:
    """Put a new encoder adapter of `rank` on the peft `model` (B = 0), the decoder adapter
    staying the active one; every adapter is then as trainable as the decoder adapter was
    (peft's `set_adapter` would freeze the inactive one)."""
    trainable = _trainable(model)
    model.add_adapter(ENCODER_ADAPTER, lora_config(rank, config))
    model.set_adapter(DECODER_ADAPTER)
    set_lora_trainable(model, trainable)
