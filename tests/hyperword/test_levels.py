"""The level ladder: one object per level, and a new soft rung picked up by every reader."""

from __future__ import annotations

import pytest
import torch

from hyperword.levels import (
    LEVELS,
    LevelParts,
    SoftLevel,
    check_levels,
    ladder,
    level_names,
    register_level,
    soft_levels,
    stored_levels,
)


@pytest.fixture
def model(tiny_model):
    return tiny_model


@pytest.fixture
def base_tokenizer(tiny_tokenizer):
    return tiny_tokenizer


@pytest.fixture
def encoder(model, base_tokenizer):
    from tests.orchestrator.conftest import TinyEncoder

    return TinyEncoder(model, base_tokenizer)


@pytest.fixture
def hyperword_tokenizer(base_tokenizer):
    from hyperword.tokenizer import HyperwordTokenizer
    from tests.conftest import TINY_CORPUS

    return HyperwordTokenizer.train(TINY_CORPUS * 3, base_tokenizer, num_hyperwords=32)


@pytest.fixture
def ratio_16():
    """A soft rung registered for one test (the encoder will serve 4, 8, 16, 32 and 64)."""
    level = register_level(SoftLevel("ratio-16", ratio=16))
    yield level
    del LEVELS["ratio-16"]


def test_the_built_in_ladder():
    assert level_names() == ("text", "hyperword", "scene", "concept")
    assert [level.lossless for level in ladder()] == [True, True, False, False]
    assert [level.cuttable for level in ladder()] == [True, True, False, False]
    assert [level.column for level in stored_levels()] == [
        "hyperword_ids",
        "scene_vectors",
        "concept_vectors",
    ]
    assert [level.ratio for level in soft_levels()] == [8, 64]
    assert check_levels(["concept", "text"]) == ("text", "concept")
    with pytest.raises(ValueError, match="non-empty subset"):
        check_levels(["paragraph"])


def test_costs_match_rows(model, base_tokenizer, encoder, hyperword_tokenizer):
    parts = LevelParts(
        model, base_tokenizer, hyperword_tokenizer=hyperword_tokenizer, encoder=encoder
    )
    text = "Zephyrine tea is brewed from the dried leaves of the kopa shrub. " * 3
    base_ids = base_tokenizer(text, add_special_tokens=False).input_ids
    for level in ladder():
        assert level.unavailable(parts) is None
        (value,) = level.encode([text], parts)
        rows = level.rows(text, base_ids, value, parts)
        assert rows.shape == (level.cost(base_ids, value), 32), level.name
    assert LEVELS["scene"].cost(base_ids, None) == -(-len(base_ids) // 8) + 2
    prefix = LEVELS["text"].rows(text, base_ids, None, parts, keep=5)
    assert torch.equal(prefix, LEVELS["text"].rows(text, base_ids[:5], None, parts))


def test_unavailable_levels_say_what_they_lack(model, base_tokenizer):
    parts = LevelParts(model, base_tokenizer)
    reasons = {level.name: level.unavailable(parts) for level in ladder()}
    assert reasons == {
        "text": None,
        "hyperword": "no hyperword tokenizer loaded",
        "scene": "no encoder loaded",
        "concept": "no encoder loaded",
    }


def test_a_new_soft_rung_is_one_registration(ratio_16, model, base_tokenizer):
    from mnemonic.schema import chunks_schema
    from orchestrator import AskOptions

    assert level_names() == ("text", "hyperword", "scene", "ratio-16", "concept")
    assert ratio_16.column == "ratio_16_vectors" and ratio_16.slots(17) == 2
    assert "ratio_16_vectors" in chunks_schema(8).names
    assert AskOptions(levels=["ratio-16"]).levels == ("ratio-16",)

    class SceneOnly:  # an encoder that serves some soft levels only
        levels = ("scene",)

    parts = LevelParts(model, base_tokenizer, encoder=SceneOnly())
    assert ratio_16.unavailable(parts) == "the encoder does not serve it"
    assert LEVELS["scene"].unavailable(parts) is None


def test_soft_levels_refuse_a_bad_ratio():
    with pytest.raises(ValueError, match="ratio"):
        SoftLevel("half", ratio=1)
