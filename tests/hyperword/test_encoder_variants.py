"""Encoder variants: one projector for every ratio, a refiner, a trainable encoder adapter."""

from __future__ import annotations

import pytest
import torch

from hyperword.encoder import LEVEL_RATIOS, EncoderConfig, EncoderError, HyperwordEncoder
from hyperword.encoder.config import MLP_PROJECTIONS
from hyperword.encoder.features import pool_windows, window_weights
from hyperword.encoder.projector import attend
from tests.conftest import build_tiny_model
from tests.tiny_encoder import build_tiny_encoder

SPANS = [
    "The Velloran Glass Bridge crosses the Quell River in the town of Brask.",
    "Zephyrine tea is brewed from the dried leaves of the kopa shrub.",
]
ALL_RATIOS = tuple(LEVEL_RATIOS)


def test_window_weights_pool_like_pool_windows():
    features = torch.randn(2, 7, 3)
    weights = window_weights([7, 4], [3, 2], 7)  # (2, 3, 7)
    pooled = weights @ features
    torch.testing.assert_close(pooled[0], pool_windows(features[0], 3))
    torch.testing.assert_close(pooled[1, :2], pool_windows(features[1, :4], 2))
    assert torch.all(pooled[1, 2] == 0)  # slots past a span's own count are empty


def test_one_shared_projector_serves_every_ratio(tiny_tokenizer):
    encoder = build_tiny_encoder(tiny_tokenizer, levels=ALL_RATIOS, shared_projector=True)
    assert list(encoder.projectors) == ["shared"]
    assert set(encoder.markers) == set(ALL_RATIOS)
    ids = tiny_tokenizer(SPANS[0], add_special_tokens=False).input_ids
    for level, ratio in LEVEL_RATIOS.items():
        soft = encoder.encode(SPANS[:1], level=level)
        assert soft.shape == (1, max(1, -(-len(ids) // ratio)), 32)


def test_encode_levels_reads_once_and_matches_encode(tiny_tokenizer):
    encoder = build_tiny_encoder(tiny_tokenizer, levels=ALL_RATIOS, shared_projector=True)
    every = encoder.encode_levels(SPANS)
    assert set(every) == set(ALL_RATIOS)
    for level in ALL_RATIOS:
        for span, soft in zip(SPANS, every[level], strict=True):
            alone = encoder.encode([span], level=level)[0]
            torch.testing.assert_close(soft, alone, atol=1e-5, rtol=1e-4)


def test_batched_spans_match_spans_alone(tiny_tokenizer):
    encoder = build_tiny_encoder(tiny_tokenizer, refiner_layers=1)
    together = encoder.encode(SPANS, level="scene", n_slots=2)
    for i, span in enumerate(SPANS):
        alone = encoder.encode([span], level="scene", n_slots=2)[0]
        torch.testing.assert_close(together[i], alone, atol=1e-5, rtol=1e-4)


def test_the_refiner_lets_a_window_see_the_rest_of_the_span(tiny_tokenizer):
    plain = build_tiny_encoder(tiny_tokenizer, features=("embedding",), feature_layer=0)
    refined = build_tiny_encoder(
        tiny_tokenizer, features=("embedding",), feature_layer=0, refiner_layers=1
    )
    with torch.no_grad():  # its output starts at zero; as if trained
        refined.projectors["scene"].refiner_out.weight.normal_()
    a, b = "Zephyrine tea is brewed.", "Zephyrine tea is new."
    for encoder, changes in ((plain, False), (refined, True)):
        first = [encoder.encode([text], level="scene", n_slots=2)[0, 0] for text in (a, b)]
        # The first window's tokens are the same in both spans; only the refiner reads on.
        assert changes == (not torch.allclose(first[0], first[1], atol=1e-6))


def test_a_refiner_added_to_a_trained_encoder_starts_as_the_identity(tmp_path, tiny_tokenizer):
    encoder = build_tiny_encoder(tiny_tokenizer, levels=ALL_RATIOS, shared_projector=True)
    before = encoder.encode(SPANS, level="scene")
    encoder.add_refiner(1)
    assert encoder.config.refiner_layers == 1
    torch.testing.assert_close(encoder.encode(SPANS, level="scene"), before)
    with pytest.raises(EncoderError, match="refiner"):
        encoder.add_refiner(1)
    # It is saved and loaded like one built with the refiner.
    folder = encoder.save_pretrained(tmp_path / "grown", dtype=torch.float32)
    loaded = HyperwordEncoder.from_pretrained(
        folder, model=build_tiny_model(len(tiny_tokenizer)), tokenizer=tiny_tokenizer
    )
    assert loaded.config.refiner_layers == 1
    torch.testing.assert_close(loaded.encode(SPANS, level="scene"), before)


def test_attention_pooling_weights_each_window_by_its_scores():
    weights = window_weights([5, 2], [2, 2], 5)  # windows (0-3, 3-5) and (0-1, 1-2)
    torch.testing.assert_close(attend(weights, torch.zeros(2, 5)), weights)  # equal: the mean
    score = torch.tensor([[0.0, 30.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0]])
    attended = attend(weights, score)
    assert attended[0, 0, 1] > 0.99 and attended[0, 0, 3:].sum() == 0  # its window only
    torch.testing.assert_close(attended[0, 1], weights[0, 1])
    torch.testing.assert_close(attended.sum(-1), (weights.sum(-1) > 0).float())
    empty = torch.zeros(1, 1, 4)  # a slot past the span: stays 0
    assert torch.all(attend(empty, torch.randn(1, 4)) == 0)


def test_attention_pooling_added_to_a_trained_encoder_starts_as_the_mean(tmp_path, tiny_tokenizer):
    encoder = build_tiny_encoder(tiny_tokenizer, levels=ALL_RATIOS, shared_projector=True)
    before = encoder.encode(SPANS, level="scene")
    encoder.add_attention_pooling()
    torch.testing.assert_close(encoder.encode(SPANS, level="scene"), before)
    with pytest.raises(EncoderError, match="by attention already"):
        encoder.add_attention_pooling()
    with torch.no_grad():  # as if trained: the soft tokens now differ from the mean's
        encoder.projectors["shared"].pool_score.weight.normal_()
    trained = encoder.encode(SPANS, level="scene")
    assert not torch.allclose(trained, before, atol=1e-4)
    folder = encoder.save_pretrained(tmp_path / "attend", dtype=torch.float32)
    loaded = HyperwordEncoder.from_pretrained(
        folder, model=build_tiny_model(len(tiny_tokenizer)), tokenizer=tiny_tokenizer
    )
    assert loaded.config.attention_pooling
    torch.testing.assert_close(loaded.encode(SPANS, level="scene"), trained)


def test_more_lora_targets_keep_the_trained_adapter_and_start_as_the_identity(
    tmp_path, tiny_tokenizer
):
    encoder = build_tiny_encoder(tiny_tokenizer)
    with torch.no_grad():  # a trained adapter: its B matrices are not zero
        for name, param in encoder.model.named_parameters():
            if "lora_B" in name:
                param.normal_()
    ids = torch.tensor([tiny_tokenizer(SPANS[0]).input_ids])
    before = encoder.model(input_ids=ids).logits
    mlp = MLP_PROJECTIONS
    encoder.add_lora_targets((*encoder.config.lora_targets, *mlp))
    names = [n for n, _ in encoder.model.named_parameters() if "lora_A" in n]
    assert any(".mlp.down_proj." in n for n in names) and any(
        ".self_attn.q_proj." in n for n in names
    )
    torch.testing.assert_close(encoder.model(input_ids=ids).logits, before)
    folder = encoder.save_pretrained(tmp_path / "wider", dtype=torch.float32)
    loaded = HyperwordEncoder.from_pretrained(
        folder, model=build_tiny_model(len(tiny_tokenizer)), tokenizer=tiny_tokenizer
    )
    assert set(mlp) < set(loaded.config.lora_targets)
    torch.testing.assert_close(loaded.model(input_ids=ids).logits, before)
    frozen = HyperwordEncoder.from_pretrained(  # loaded for inference: stays frozen when grown
        folder, model=build_tiny_model(len(tiny_tokenizer)), tokenizer=tiny_tokenizer
    )
    frozen.add_lora_targets((*frozen.config.lora_targets, "lm_head"))
    assert not any(p.requires_grad for p in frozen.model.parameters())
    with pytest.raises(EncoderError, match="give every module it is on and at least one more"):
        loaded.add_lora_targets(("q_proj", "gate_proj"))  # drops k, v, o, ...


def test_an_encoder_adapter_added_to_a_trained_encoder_starts_as_the_frozen_features(
    tmp_path, tiny_tokenizer
):
    encoder = build_tiny_encoder(tiny_tokenizer, feature_layer=-1)
    folder = encoder.save_pretrained(tmp_path / "frozen", dtype=torch.float32)
    trained = HyperwordEncoder.from_pretrained(  # as the trainer loads init_from
        folder,
        model=build_tiny_model(len(tiny_tokenizer)),
        tokenizer=tiny_tokenizer,
        trainable=True,
    )
    before = trained.encode(SPANS, level="scene")
    assert trained.frozen_features
    trained.add_encoder_adapter(2)
    assert trained.config.encoder_lora_r == 2 and not trained.frozen_features
    torch.testing.assert_close(trained.encode(SPANS, level="scene"), before)
    encoder_pairs = [p for n, p in trained.model.named_parameters() if ".encoder." in n]
    assert encoder_pairs and all(p.requires_grad for p in encoder_pairs)
    with pytest.raises(EncoderError, match="has rank 2"):
        trained.add_encoder_adapter(4)
    with torch.no_grad():  # as if trained: the features, so the soft tokens, change
        for name, param in trained.model.named_parameters():
            if ".encoder." in name and "lora_B" in name:
                param.normal_()
    after = trained.encode(SPANS, level="scene")
    assert not torch.allclose(after, before, atol=1e-4)
    saved = trained.save_pretrained(tmp_path / "grown", dtype=torch.float32)
    loaded = HyperwordEncoder.from_pretrained(
        saved, model=build_tiny_model(len(tiny_tokenizer)), tokenizer=tiny_tokenizer
    )
    torch.testing.assert_close(loaded.encode(SPANS, level="scene"), after, atol=2e-3, rtol=2e-3)
    inference = HyperwordEncoder.from_pretrained(  # loaded for inference: stays frozen
        folder, model=build_tiny_model(len(tiny_tokenizer)), tokenizer=tiny_tokenizer
    )
    inference.add_encoder_adapter(2)
    assert not any(p.requires_grad for p in inference.model.parameters())
    with pytest.raises(EncoderError, match="rank 0"):
        build_tiny_encoder(tiny_tokenizer).add_encoder_adapter(0)
    embeddings_only = build_tiny_encoder(tiny_tokenizer, features=("embedding",), feature_layer=0)
    with pytest.raises(EncoderError, match="reads hidden states"):
        embeddings_only.add_encoder_adapter(2)


def test_an_encoder_adapter_trains_and_round_trips(tmp_path, tiny_tokenizer):
    encoder = build_tiny_encoder(tiny_tokenizer, encoder_lora_r=2, feature_layer=-1)
    encoder.train()
    soft = encoder.project(
        [encoder.spans_features([tiny_tokenizer(SPANS[0]).input_ids])[0][0]],
        level="scene",
        n_slots=2,
    )
    soft.pow(2).mean().backward()
    grads = {n: p.grad for n, p in encoder.model.named_parameters() if "lora_" in n}
    assert any(".encoder." in n and g is not None and g.abs().sum() > 0 for n, g in grads.items())
    # The decoder adapter is not used by the encoder pass, and both stay trainable.
    assert all(p.requires_grad for n, p in encoder.model.named_parameters() if "lora_" in n)
    with torch.no_grad():
        for name, param in encoder.model.named_parameters():
            if "lora_B" in name:
                param.normal_()
    expected = encoder.encode(SPANS, level="scene")
    encoder.save_pretrained(tmp_path / "enc")
    assert (tmp_path / "enc" / "adapter" / "encoder" / "adapter_model.safetensors").is_file()
    loaded = HyperwordEncoder.from_pretrained(
        tmp_path / "enc", model=build_tiny_model(len(tiny_tokenizer)), tokenizer=tiny_tokenizer
    )
    torch.testing.assert_close(loaded.encode(SPANS, level="scene"), expected, atol=2e-3, rtol=2e-3)


def test_variant_options_are_checked():
    with pytest.raises(EncoderError, match="must be >= 0"):
        EncoderConfig(refiner_layers=-1)
    with pytest.raises(EncoderError, match="'hidden' feature"):
        EncoderConfig(features=("embedding",), encoder_lora_r=4)
    with pytest.raises(EncoderError, match="choose from"):
        EncoderConfig(levels=("ratio-3",))


def test_folders_from_before_the_shared_projector_keep_loading(tmp_path, tiny_tokenizer):
    encoder = build_tiny_encoder(tiny_tokenizer)  # per-level projectors, as version 1 wrote
    expected = encoder.encode(SPANS, level="concept")
    encoder.save_pretrained(tmp_path / "old")
    config = (tmp_path / "old" / "config.json").read_text()
    stripped = config.replace('"shared_projector": false,', "")
    (tmp_path / "old" / "config.json").write_text(stripped)
    loaded = HyperwordEncoder.from_pretrained(
        tmp_path / "old", model=build_tiny_model(len(tiny_tokenizer)), tokenizer=tiny_tokenizer
    )
    assert not loaded.config.shared_projector
    torch.testing.assert_close(
        loaded.encode(SPANS, level="concept"), expected, atol=2e-3, rtol=2e-3
    )


def test_a_folder_missing_its_encoder_adapter_is_refused(tmp_path, tiny_tokenizer):
    import shutil

    from hyperword.encoder import CheckpointError

    encoder = build_tiny_encoder(tiny_tokenizer, encoder_lora_r=2, feature_layer=-1)
    encoder.save_pretrained(tmp_path / "enc")
    shutil.rmtree(tmp_path / "enc" / "adapter" / "encoder")
    with pytest.raises(CheckpointError, match=r"missing adapter/encoder/adapter_config\.json"):
        HyperwordEncoder.from_pretrained(
            tmp_path / "enc", model=build_tiny_model(len(tiny_tokenizer)), tokenizer=tiny_tokenizer
        )
