"""The soft-token encoder: shapes, markers, save/load round trip and its error paths."""

from __future__ import annotations

import math

import pytest
import torch

from hyperword.encoder import (
    CheckpointError,
    EncoderConfig,
    EncoderError,
    HyperwordEncoder,
    ModelMismatchError,
    SoftTokenEncoder,
    SpanTooLongError,
    folder_digest,
    slots_for,
)
from hyperword.encoder.features import pool_windows
from tests.conftest import build_tiny_model
from tests.tiny_encoder import build_tiny_encoder

SPAN = "The Velloran Glass Bridge crosses the Quell River in the town of Brask."


@pytest.fixture
def encoder(tiny_tokenizer):
    return build_tiny_encoder(tiny_tokenizer)


def test_encoder_satisfies_the_shared_protocol(encoder):
    assert isinstance(encoder, SoftTokenEncoder)


@pytest.mark.parametrize("level, ratio", [("scene", 8), ("concept", 64)])
def test_slots_follow_the_level_ratio(encoder, tiny_tokenizer, level, ratio):
    n_tokens = len(tiny_tokenizer(SPAN, add_special_tokens=False).input_ids)
    soft = encoder.encode([SPAN], level=level)
    assert soft.shape == (1, max(1, math.ceil(n_tokens / ratio)), 32)
    assert soft.shape[1] == slots_for(n_tokens, level)
    assert torch.isfinite(soft).all()


def test_batch_with_a_fixed_slot_count(encoder):
    soft = encoder.encode([SPAN, "Zephyrine tea."], level="scene", n_slots=3)
    assert soft.shape == (2, 3, 32)
    assert not torch.allclose(soft[0], soft[1])


def test_soft_tokens_sit_at_the_embedding_scale(tiny_tokenizer):
    encoder = build_tiny_encoder(tiny_tokenizer, residual=False)
    soft = encoder.encode([SPAN], level="scene")
    rows = encoder.model.get_input_embeddings().weight
    ratio = soft.pow(2).mean().sqrt() / rows.pow(2).mean().sqrt()
    assert 0.5 < float(ratio) < 2.0


def test_residual_soft_tokens_start_near_the_windows_mean_embedding(encoder, tiny_tokenizer):
    ids = tiny_tokenizer(SPAN, add_special_tokens=False).input_ids
    soft = encoder.encode([SPAN], level="scene")[0]
    with torch.no_grad():
        rows = encoder.model.get_input_embeddings()(torch.tensor(ids))
    mean = pool_windows(rows.float(), soft.shape[0])
    cosine = torch.nn.functional.cosine_similarity(soft, mean, dim=-1)
    assert encoder.config.residual and float(cosine.min()) > 0.9


def test_residual_needs_the_embedding_feature():
    with pytest.raises(EncoderError, match="residual"):
        EncoderConfig(features=("hidden",))
    assert EncoderConfig(features=("hidden",), residual=False).feature_dim == 640


def test_wrap_adds_the_level_markers(encoder):
    soft = encoder.encode([SPAN], level="scene")[0]
    wrapped = encoder.wrap(soft, level="scene")
    assert wrapped.shape == (soft.shape[0] + 2, 32)
    assert torch.equal(wrapped[0], encoder.markers["scene"][0].detach())
    assert torch.equal(wrapped[-1], encoder.markers["scene"][1].detach())
    assert not torch.equal(wrapped[0], encoder.wrap(soft, level="concept")[0])


def test_pool_windows_means_and_short_spans():
    features = torch.arange(8, dtype=torch.float32).unsqueeze(1)  # (8, 1)
    assert pool_windows(features, 2).squeeze(1).tolist() == [1.5, 5.5]
    short = pool_windows(features[:2], 4)  # more slots than tokens: windows repeat tokens
    assert short.shape == (4, 1)


def test_round_trip_through_save_and_load(encoder, tiny_tokenizer, tmp_path):
    before = encoder.encode([SPAN], level="scene")
    ids = torch.tensor([[1, 5, 6, 7]])
    logits_before = encoder.model(input_ids=ids).logits
    path = encoder.save_pretrained(tmp_path / "enc")
    assert sorted(p.name for p in path.iterdir()) == [
        "adapter",
        "config.json",
        "encoder.safetensors",
    ]
    model = build_tiny_model(len(tiny_tokenizer))  # same seed: the same base weights
    loaded = HyperwordEncoder.from_pretrained(path, model=model, tokenizer=tiny_tokenizer)
    torch.testing.assert_close(loaded.encode([SPAN], level="scene"), before, atol=2e-2, rtol=2e-2)
    torch.testing.assert_close(loaded.model(input_ids=ids).logits, logits_before, atol=1e-2, rtol=0)
    assert loaded.version.startswith("1-") and loaded.version != encoder.version
    assert folder_digest(path) == loaded.weights_digest  # read without loading
    assert folder_digest(tmp_path / "nowhere") is None


def test_saving_replaces_an_old_folder_whole(encoder, tmp_path):
    path = tmp_path / "enc"
    path.mkdir()
    (path / "stale.txt").write_text("old")
    encoder.save_pretrained(path)
    assert not (path / "stale.txt").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_unknown_level_and_bad_spans(encoder):
    with pytest.raises(EncoderError, match="unknown level 'paragraph'"):
        encoder.encode([SPAN], level="paragraph")
    with pytest.raises(EncoderError, match="empty span"):
        encoder.encode([""], level="scene")
    with pytest.raises(EncoderError, match="sequence of spans"):
        encoder.encode(SPAN, level="scene")
    with pytest.raises(SpanTooLongError, match="at most 64"):
        encoder.encode([SPAN * 10], level="scene")
    with pytest.raises(EncoderError, match=r"\(n_slots, 32\)"):
        encoder.wrap(torch.zeros(3, 16), level="scene")


def test_a_folder_without_config_or_weights_is_refused(encoder, tiny_tokenizer, tmp_path):
    model = build_tiny_model(len(tiny_tokenizer))
    with pytest.raises(CheckpointError, match="not an encoder folder"):
        HyperwordEncoder.from_pretrained(tmp_path, model=model, tokenizer=tiny_tokenizer)
    path = encoder.save_pretrained(tmp_path / "enc")
    (path / "encoder.safetensors").unlink()
    with pytest.raises(CheckpointError, match=r"missing encoder\.safetensors"):
        HyperwordEncoder.from_pretrained(path, model=model, tokenizer=tiny_tokenizer)


def test_corrupt_weights_are_refused(encoder, tiny_tokenizer, tmp_path):
    path = encoder.save_pretrained(tmp_path / "enc")
    weights = path / "encoder.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    model = build_tiny_model(len(tiny_tokenizer))
    with pytest.raises(CheckpointError, match="cannot read"):
        HyperwordEncoder.from_pretrained(path, model=model, tokenizer=tiny_tokenizer)


def test_a_checkpoint_for_another_base_model_is_refused(encoder, tiny_tokenizer, tmp_path):
    path = encoder.save_pretrained(tmp_path / "enc")
    other = build_tiny_model(len(tiny_tokenizer) + 16)  # another vocabulary
    with pytest.raises(ModelMismatchError, match="trained for tiny-llama"):
        HyperwordEncoder.from_pretrained(path, model=other, tokenizer=tiny_tokenizer)


def test_config_validation_and_unknown_keys(tmp_path, caplog):
    with pytest.raises(EncoderError, match="features"):
        EncoderConfig(features=("pixels",))
    with pytest.raises(EncoderError, match="levels"):
        EncoderConfig(levels=("paragraph",))
    path = tmp_path / "config.json"
    EncoderConfig(d_model=32).save(path)
    path.write_text(path.read_text().replace('"d_model"', '"future_key": 1, "d_model"'))
    assert EncoderConfig.load(path).d_model == 32
    assert "future_key" in caplog.text
    path.write_text(path.read_text().replace('"d_model": 32', '"d_model": "32"'))
    with pytest.raises(CheckpointError, match=r"config\.json is invalid: 'd_model' must be an int"):
        EncoderConfig.load(path)  # a quoted number: one clear error, not a failure in torch
    path.write_text("{not json")
    with pytest.raises(CheckpointError, match="cannot read"):
        EncoderConfig.load(path)


def test_feature_cache_encodes_a_span_once_and_alone(tiny_tokenizer):
    """With `cache_features`, a span read again comes from the cache, and every span's soft
    tokens equal those of the span encoded alone (not padded beside a longer one)."""
    encoder = build_tiny_encoder(tiny_tokenizer)
    short = "Zephyrine tea."
    alone = [encoder.encode([span], level="scene", n_slots=2)[0] for span in (SPAN, short)]
    encoder.cache_features(1)
    first = encoder.encode([SPAN, short], level="scene", n_slots=2)
    assert (encoder.feature_cache.misses, encoder.feature_cache.hits) == (2, 0)
    assert len(encoder.feature_cache) == 1  # the least recently used span went out
    again = encoder.encode_levels([short], levels=["concept", "scene"])
    assert encoder.feature_cache.hits == 1
    for got, want in zip(first, alone, strict=True):
        torch.testing.assert_close(got, want)
    torch.testing.assert_close(again["scene"][0], encoder.encode([short], level="scene")[0])
    encoder.cache_features(0)
    assert encoder.feature_cache is None
    with pytest.raises(ValueError, match="max_spans"):
        encoder.cache_features(-1)


def test_feature_cache_is_bypassed_for_a_trainable_encoder_adapter(tiny_tokenizer):
    encoder = build_tiny_encoder(tiny_tokenizer, encoder_lora_r=2, feature_layer=-1)
    encoder.cache_features(4)
    encoder.encode([SPAN], level="scene")
    assert len(encoder.feature_cache) == 0 and encoder.feature_cache.misses == 0
