"""A tiny `HyperwordEncoder` on the tiny Llama, for fast encoder, training and store tests."""

from __future__ import annotations

import torch

from hyperword.encoder import EncoderConfig, HyperwordEncoder
from tests.conftest import build_tiny_model

# Sizes for the tiny Llama (hidden size 32, 2 layers); also the training tests' overrides.
TINY_ENCODER_OPTIONS = {
    "feature_layer": 1,
    "projector_hidden": 32,
    "max_span_tokens": 64,
    "lora_r": 2,
    "lora_alpha": 4,
}


def tiny_encoder_config(**overrides) -> EncoderConfig:
    options = {"base_model": "tiny-llama", "d_model": 32, **TINY_ENCODER_OPTIONS, **overrides}
    return EncoderConfig(**options)


def build_tiny_encoder(tokenizer, *, seed: int = 0, **overrides) -> HyperwordEncoder:
    model = build_tiny_model(len(tokenizer), seed=seed)
    torch.manual_seed(seed)
    return HyperwordEncoder(tiny_encoder_config(**overrides), model, tokenizer)
