"""The encoder on the real Gemma 3 270M, whose hidden states have huge outlier dimensions."""

from __future__ import annotations

import copy
import math

import pytest
import torch
import torch.nn.functional as F

from adapters.encoder_data import QaItem
from adapters.encoder_eval import heldout_loss
from hyperword.encoder import EncoderConfig, HyperwordEncoder

PASSAGES = [
    "The Velloran Glass Bridge crosses the Quell River in the town of Brask. It was designed "
    "by the engineer Marisol Dutrane and opened in 1911 after six years of work.",
    "Zephyrine tea is brewed from the dried leaves of the kopa shrub and is always served "
    "with salted plums at the spring market of Orvik.",
    "The Marrowfen Observatory stands on a granite ridge; its main telescope, built in 1887, "
    "has a mirror of ninety centimetres.",
]


@pytest.mark.real_model
def test_soft_tokens_of_different_passages_differ(real_model):
    model, tokenizer = real_model
    # The projector alone (no residual mean embedding), which is what standardisation guards.
    encoder = HyperwordEncoder(EncoderConfig(residual=False), copy.deepcopy(model), tokenizer)
    ids = [tokenizer(p, add_special_tokens=False).input_ids for p in PASSAGES]
    encoder.fit_feature_stats(ids)
    first, second = (encoder.encode([p], level="scene")[0] for p in PASSAGES[:2])
    assert first.shape == (math.ceil(len(ids[0]) / 8), model.config.hidden_size)
    # Without per-dimension standardisation, Gemma's outlier dimensions made every window
    # project to the same vector (cosine 1.00 between any two soft tokens).
    cosine = F.normalize(first.mean(0), dim=0) @ F.normalize(second.mean(0), dim=0)
    assert float(cosine) < 0.9
    within = F.normalize(first, dim=-1) @ F.normalize(first, dim=-1).T
    assert float(within[~torch.eye(len(first), dtype=torch.bool)].mean()) < 0.9


@pytest.mark.real_model
def test_shipped_encoder_carries_the_passage(real_model):
    """The default encoder loads, and its scene tokens of the right passage make the gold
    answer likelier than another passage's do (invented facts: no model knows them)."""
    model, tokenizer = real_model
    encoder = HyperwordEncoder.from_pretrained(model=copy.deepcopy(model), tokenizer=tokenizer)
    assert encoder.config.residual and encoder.config.template == "qa-bare"
    items = [
        QaItem(PASSAGES[0], "Who designed the Velloran Glass Bridge?", ("Marisol Dutrane",)),
        QaItem(PASSAGES[1], "Which shrub is Zephyrine tea brewed from?", ("the kopa shrub",)),
        QaItem(PASSAGES[2], "When was the Marrowfen telescope built?", ("1887",)),
    ]
    swapped = PASSAGES[1:] + PASSAGES[:1]
    right = heldout_loss(encoder, items, level="scene")
    wrong = heldout_loss(encoder, items, level="scene", contexts=swapped)
    assert right < wrong - 0.2, (right, wrong)
