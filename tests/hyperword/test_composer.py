"""The learned hyper-embedding composer: starts as the mean, learns, saves and loads."""

from __future__ import annotations

import pytest
import torch

from hyperword.tokenizer import (
    ComposerConfig,
    CorruptTokenizerError,
    HyperwordComposer,
    HyperwordTokenizer,
    TokenizerConfigError,
)
from tests.conftest import TINY_CORPUS

TEXT = " ".join(TINY_CORPUS)


@pytest.fixture(scope="module")
def hyper(tiny_tokenizer):
    return HyperwordTokenizer.train([TEXT] * 3, tiny_tokenizer, num_hyperwords=40)


def _composer(model, **options) -> HyperwordComposer:
    d_model = model.get_input_embeddings().weight.shape[1]
    return HyperwordComposer(ComposerConfig(d_model=d_model, max_length=4, **options))


def test_untrained_composer_is_the_mean(hyper, tiny_model):
    ids = hyper.encode(TEXT)
    assert max(len(hyper.expand([i])) for i in ids) > 4  # longer than max_length: capped
    with torch.no_grad():
        torch.testing.assert_close(
            hyper.embed(ids, tiny_model, composer=_composer(tiny_model)),
            hyper.embed(ids, tiny_model),
        )


def test_base_ids_bypass_the_composer_and_gradients_reach_it(hyper, tiny_model):
    composer = _composer(tiny_model)
    with torch.no_grad():
        composer.up.normal_()
        composer.query.normal_()
    ids = hyper.encode(TEXT)
    embeds = hyper.embed(ids, tiny_model, composer=composer)[0]  # (n, d)
    plain = hyper.embed(ids, tiny_model)[0]
    for position, i in enumerate(ids):
        same = torch.allclose(embeds[position], plain[position])
        assert same == (i < hyper.base_vocab_size)
    embeds.pow(2).sum().backward()
    assert composer.up.grad is not None and composer.up.grad.abs().sum() > 0
    assert composer.position_logits.grad.abs().sum() > 0
    assert tiny_model.get_input_embeddings().weight.grad is not None  # not frozen here


def test_save_load_round_trip(hyper, tiny_model, tmp_path):
    composer = _composer(tiny_model, rank=3)
    with torch.no_grad():
        for parameter in composer.parameters():
            parameter.normal_()
    composer.save_pretrained(tmp_path / "c")
    loaded = HyperwordComposer.from_pretrained(tmp_path / "c")
    assert loaded.config.rank == 3 and loaded.config.hyperword_version
    ids = hyper.encode(TEXT)
    with torch.no_grad():
        torch.testing.assert_close(
            hyper.embed(ids, tiny_model, composer=loaded),
            hyper.embed(ids, tiny_model, composer=composer),
        )
    with pytest.raises(CorruptTokenizerError):
        HyperwordComposer.from_pretrained(tmp_path / "missing")


def test_bad_config():
    with pytest.raises(TokenizerConfigError, match="rank"):
        ComposerConfig(d_model=8, rank=0)
