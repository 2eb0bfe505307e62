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
def ratio_12():
    """A soft rung registered for one test, beside the built-in ratios 4, 8, 16, 32 and 64."""
    level = register_level(SoftLevel("ratio-12", ratio=12))
    yield level
    del LEVELS["ratio-12"]


def test_the_built_in_ladder():
    soft = ("ratio-4", "scene", "ratio-16", "ratio-32", "concept")
    assert level_names() == ("text", "hyperword", *soft)
    assert [level.lossless for level in ladder()] == [True, True] + [False] * 5
    assert [level.cuttable for level in ladder()] == [True, True] + [False] * 5
    assert [level.column for level in stored_levels()] == [
        "hyperword_ids",
        "ratio_4_vectors",
        "scene_vectors",
        "ratio_16_vectors",
        "ratio_32_vectors",
        "concept_vectors",
    ]
    assert [level.ratio for level in soft_levels()] == [4, 8, 16, 32, 64]
    assert check_levels(["concept", "text"]) == ("text", "concept")
    with pytest.raises(ValueError, match="non-empty subset"):
        check_levels(["paragraph"])


def test_costs_match_rows(model, base_tokenizer, encoder, hyperword_tokenizer):
    parts = LevelParts(
        model, base_tokenizer, hyperword_tokenizer=hyperword_tokenizer, encoder=encoder
    )
    text = "Zephyrine tea is brewed from the dried leaves of the kopa shrub. " * 3
    base_ids = base_tokenizer(text, add_special_tokens=False).input_ids
    served = ("text", "hyperword", *encoder.levels)
    for level in ladder():
        if level.name not in served:
            assert level.unavailable(parts) == "the encoder does not serve it"
            continue
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
        **{level.name: "no encoder loaded" for level in soft_levels()},
    }


def test_a_new_soft_rung_is_one_registration(ratio_12, model, base_tokenizer):
    from mnemonic.schema import chunks_schema
    from orchestrator import AskOptions

    assert level_names()[3:5] == ("scene", "ratio-12")
    assert ratio_12.column == "ratio_12_vectors" and ratio_12.slots(13) == 2
    assert "ratio_12_vectors" in chunks_schema(8).names
    assert AskOptions(levels=["ratio-12"]).levels == ("ratio-12",)

    class SceneOnly:  # an encoder that serves some soft levels only
        levels = ("scene",)

    parts = LevelParts(model, base_tokenizer, encoder=SceneOnly())
    assert ratio_12.unavailable(parts) == "the encoder does not serve it"
    assert LEVELS["scene"].unavailable(parts) is None


def test_soft_levels_refuse_a_bad_ratio():
    with pytest.raises(ValueError, match="ratio"):
        SoftLevel("half", ratio=1)


PRICE = "The Velloran Glass Bridge toll is 90210 crowns; it was set in 1911."


def _cut_inside_the_number(ids, decode):
    """A `keep` whose plain prefix of `ids` would end inside 90210."""
    for keep in range(1, len(ids)):
        if decode(ids[:keep]).rstrip().endswith(("9", "90", "902", "9021")):
            return keep
    raise AssertionError("no cut falls inside the number")


@pytest.mark.parametrize("level", ["text", "hyperword"])
def test_a_cut_never_ends_inside_a_number(level, model, base_tokenizer, hyperword_tokenizer):
    parts = LevelParts(model, base_tokenizer, hyperword_tokenizer=hyperword_tokenizer)
    base = base_tokenizer(PRICE, add_special_tokens=False).input_ids
    value = LEVELS[level].encode([PRICE], parts)[0]
    ids = base if level == "text" else value

    def decode(some):
        return base_tokenizer.decode(some if level == "text" else hyperword_tokenizer.expand(some))

    keep = _cut_inside_the_number(ids, decode)
    rows = LEVELS[level].rows(PRICE, base, value, parts, keep=keep)
    text = decode(ids[: rows.shape[0]])
    assert 0 < rows.shape[0] <= keep
    assert PRICE.startswith(text) and text.rstrip().endswith("is")
