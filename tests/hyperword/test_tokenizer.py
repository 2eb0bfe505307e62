"""The hyperword tokenizer: lossless round trips, compression, save/load, errors, embeddings."""

from __future__ import annotations

import json

import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from hyperword.tokenizer import (
    TRAINERS,
    CorruptTokenizerError,
    HyperwordTokenizer,
    TokenizerMismatchError,
    UnknownTrainerError,
    register_trainer,
)
from tests.conftest import TINY_CORPUS

CORPUS = [" ".join(TINY_CORPUS)] * 4 + ["the bridge crosses the river\n" * 3]

ODD_STRINGS = [
    "",
    " ",
    "   \t\t\n\n\r\n  ",
    "The Velloran Glass Bridge crosses the Quell River.",
    "emoji 🎉🙂👩‍👩‍👧 and CJK 中文字符 日本語 한국어",
    "control \x00\x01\x1b[0m chars\x7f",
    "  leading and trailing  ",
]


@pytest.fixture(scope="module", params=sorted(TRAINERS))
def trained(request, tiny_tokenizer):
    return HyperwordTokenizer.train(
        CORPUS, tiny_tokenizer, num_hyperwords=40, trainer=request.param
    )


def base_ids(tokenizer, text):
    return tokenizer(text, add_special_tokens=False)["input_ids"]


@pytest.mark.parametrize("text", ODD_STRINGS)
def test_round_trip_odd_strings(trained, text):
    ids = trained.encode(text)
    assert trained.decode(ids) == text
    assert trained.expand(ids) == base_ids(trained.base_tokenizer, text)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=80))
def test_round_trip_property(trained, text):
    assert trained.decode(trained.encode(text)) == text


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(words=st.lists(st.sampled_from(" ".join(TINY_CORPUS).split(" ")), max_size=30))
def test_round_trip_corpus_like_text(trained, words):
    text = " ".join(words)
    ids = trained.encode(text)
    assert trained.decode(ids) == text
    assert len(ids) <= len(base_ids(trained.base_tokenizer, text))


def test_fewer_tokens_on_repetitive_text(trained):
    text = CORPUS[0]
    n_base, n_hyper = len(base_ids(trained.base_tokenizer, text)), len(trained.encode(text))
    assert n_hyper < 0.7 * n_base
    assert any(i >= trained.base_vocab_size for i in trained.encode(text))


def test_id_space_and_expand(trained):
    n_base = trained.base_vocab_size
    assert len(trained) == n_base + trained.num_hyperwords
    for j, word in enumerate(trained.hyperwords[:10]):
        expansion = trained.expand([n_base + j])
        assert len(expansion) == len(word.chars) >= 2
        assert all(0 <= i < n_base for i in expansion)
        assert trained.decode([n_base + j]) == trained.base_tokenizer.decode(expansion)
    assert trained.expand([0, 5]) == [0, 5]
    with pytest.raises(ValueError, match="outside"):
        trained.expand([len(trained)])


def test_encode_batch_matches_encode(trained):
    texts = ODD_STRINGS + CORPUS[:1]
    assert trained.encode_batch(texts) == [trained.encode(t) for t in texts]


def test_no_special_tokens_added(trained):
    assert trained.encode("") == []
    special = set(trained.base_tokenizer.all_special_ids)
    assert not special & set(trained.expand(trained.encode("hello there")))


def test_save_load_round_trip(trained, tiny_tokenizer, tmp_path):
    trained.save_pretrained(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["base_name"] == "tiny-llama"
    assert config["format_version"] == 1
    assert config["hyperword_version"]
    assert list(config) == sorted(config)
    loaded = HyperwordTokenizer.from_pretrained(tmp_path, base_tokenizer=tiny_tokenizer)
    assert loaded.hyperwords == trained.hyperwords
    for text in [*ODD_STRINGS, CORPUS[0]]:
        assert loaded.encode(text) == trained.encode(text)


def test_unknown_config_keys_dropped_with_warning(trained, tiny_tokenizer, tmp_path, caplog):
    trained.save_pretrained(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    config["from_the_future"] = 1
    (tmp_path / "config.json").write_text(json.dumps(config))
    loaded = HyperwordTokenizer.from_pretrained(tmp_path, base_tokenizer=tiny_tokenizer)
    assert loaded.num_hyperwords == trained.num_hyperwords
    assert "from_the_future" in caplog.text


def test_mismatched_base_tokenizer(trained, tmp_path):
    from tests.conftest import build_tiny_tokenizer

    trained.save_pretrained(tmp_path)
    other = build_tiny_tokenizer()
    other.add_tokens(["<extra_token>"])
    with pytest.raises(TokenizerMismatchError, match="tiny-llama"):
        HyperwordTokenizer.from_pretrained(tmp_path, base_tokenizer=other)


def test_mismatched_vocab_same_size(trained, tmp_path):
    from tests.conftest import build_tiny_tokenizer

    trained.save_pretrained(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    config["base_fingerprint"] = "0" * 64
    (tmp_path / "config.json").write_text(json.dumps(config))
    with pytest.raises(TokenizerMismatchError):
        HyperwordTokenizer.from_pretrained(tmp_path, base_tokenizer=build_tiny_tokenizer())


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("config.json", "{not json"),
        ("config.json", "[]"),
        ("config.json", '{"base_name": "tiny-llama"}'),
        ("hyperwords.json", "{not json"),
        ("hyperwords.json", '{"hyperwords": [{"ids": [1], "frequency": 2}]}'),
        ("hyperwords.json", '{"hyperwords": [{"ids": [1, 99999], "frequency": 2}]}'),
        ("hyperwords.json", '{"hyperwords": []}'),
    ],
)
def test_corrupt_files(trained, tiny_tokenizer, tmp_path, name, content):
    trained.save_pretrained(tmp_path)
    (tmp_path / name).write_text(content)
    with pytest.raises(CorruptTokenizerError):
        HyperwordTokenizer.from_pretrained(tmp_path, base_tokenizer=tiny_tokenizer)


def test_missing_folder(tiny_tokenizer, tmp_path):
    with pytest.raises(CorruptTokenizerError):
        HyperwordTokenizer.from_pretrained(tmp_path / "nope", base_tokenizer=tiny_tokenizer)


def test_newer_format_version(trained, tiny_tokenizer, tmp_path):
    trained.save_pretrained(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    config["format_version"] = 99
    (tmp_path / "config.json").write_text(json.dumps(config))
    with pytest.raises(CorruptTokenizerError, match="version"):
        HyperwordTokenizer.from_pretrained(tmp_path, base_tokenizer=tiny_tokenizer)


def test_unknown_trainer(tiny_tokenizer):
    with pytest.raises(UnknownTrainerError, match="ngram"):
        HyperwordTokenizer.train(CORPUS, tiny_tokenizer, num_hyperwords=5, trainer="nope")


def test_duplicate_trainer_name():
    with pytest.raises(ValueError, match="already registered"):
        register_trainer("ngram")(lambda lines, *, num_hyperwords, documents: [])


def test_vocab_size_is_respected(tiny_tokenizer):
    for trainer in TRAINERS:
        tok = HyperwordTokenizer.train(CORPUS, tiny_tokenizer, num_hyperwords=7, trainer=trainer)
        assert 0 < tok.num_hyperwords <= 7
        zero = HyperwordTokenizer.train(CORPUS, tiny_tokenizer, num_hyperwords=0, trainer=trainer)
        assert zero.encode(CORPUS[0]) == base_ids(tiny_tokenizer, CORPUS[0])


@pytest.mark.parametrize("texts", [[""], ["a"], ODD_STRINGS])
def test_base_backend_ids_match_tokenizer(tiny_tokenizer, texts):
    from hyperword.tokenizer.base import base_encode_batch

    assert base_encode_batch(tiny_tokenizer, texts) == [base_ids(tiny_tokenizer, t) for t in texts]


def test_ngram_fills_with_rare_short_ngrams(tiny_tokenizer):
    texts = [*CORPUS, "a single rare line, Zzyx Qwop"]
    filled = HyperwordTokenizer.train(texts, tiny_tokenizer, num_hyperwords=10**5)
    frequent = HyperwordTokenizer.train(texts, tiny_tokenizer, num_hyperwords=10**5, fill_length=0)
    assert filled.num_hyperwords > frequent.num_hyperwords
    rare = filled.hyperwords[frequent.num_hyperwords :]
    assert all(len(h.chars) <= 3 for h in rare)


@pytest.mark.parametrize(
    "options",
    [
        {"shrink": 1.0},
        {"max_length": 1},
        {"min_frequency": 0},
        {"min_documents": 0},
        {"num_hyperwords": -1},
    ],
)
def test_bad_trainer_options(tiny_tokenizer, options):
    from hyperword.tokenizer import TokenizerConfigError

    kwargs = {"num_hyperwords": 5, **options}
    with pytest.raises(TokenizerConfigError):
        HyperwordTokenizer.train(CORPUS, tiny_tokenizer, **kwargs)


def test_ngram_document_frequency():
    from hyperword.tokenizer.training import train_ngram

    lines = ["abcabc", "xyxy", "abq"]  # "ab" in 2 documents, "xy" and "bc" in one
    words = train_ngram(lines, num_hyperwords=10, documents=[0, 1, 2], fill_length=0)
    assert [w.chars for w in words] == ["ab"]
    any_doc = train_ngram(lines, num_hyperwords=10, min_documents=1, fill_length=0)
    assert {w.chars for w in any_doc} >= {"ab", "abc", "bc", "xy"}
    filled = train_ngram(lines, num_hyperwords=3, documents=[0, 1, 2])
    assert [w.chars for w in filled] == ["ab", "bc", "xy"]  # then shortest, most frequent


def test_lazy_top_level_export():
    import hyperword

    assert hyperword.HyperwordTokenizer is HyperwordTokenizer
    assert "HyperwordTokenizer" in hyperword.__all__


def test_embed_is_mean_of_constituents(trained, tiny_model):
    text = CORPUS[0][:120]
    ids = trained.encode(text)
    embeds = trained.embed(ids, tiny_model)
    weight = tiny_model.get_input_embeddings().weight
    assert embeds.shape == (1, len(ids), weight.shape[1])
    for position, i in enumerate(ids):
        expected = weight[trained.expand([i])].mean(dim=0)
        torch.testing.assert_close(embeds[0, position], expected)
    with torch.no_grad():
        logits = tiny_model(inputs_embeds=embeds).logits
    assert logits.shape == (1, len(ids), weight.shape[0])


def test_embed_base_ids_equal_embedding_layer(trained, tiny_model):
    ids = base_ids(trained.base_tokenizer, "the river")
    layer = tiny_model.get_input_embeddings()
    embeds = trained.embed(ids, layer)
    torch.testing.assert_close(embeds, layer(torch.tensor([ids])))
    assert trained.embed([], layer).shape == (1, 0, layer.weight.shape[1])


@pytest.fixture(scope="module")
def gemma():
    """The Gemma base tokenizer and a small hyperword tokenizer over it."""
    from hyperword.models import load_tokenizer

    base = load_tokenizer("gemma-3-270m")
    return base, HyperwordTokenizer.train(CORPUS, base, num_hyperwords=50)


def gemma_round_trips(base, text):
    return base.decode(base_ids(base, text), clean_up_tokenization_spaces=False) == text


@pytest.mark.real_model
def test_gemma_round_trip(gemma):
    base, tok = gemma
    assert tok.base_vocab_size == len(base) >= 262_144
    checked = 0
    for text in [*ODD_STRINGS, CORPUS[0], "  multiple   spaces\n\n\nand newlines  "]:
        if not gemma_round_trips(base, text):
            continue  # the base tokenizer itself does not round-trip it
        assert tok.decode(tok.encode(text)) == text
        checked += 1
    assert checked >= 5
    assert len(tok.encode(CORPUS[0])) < len(base_ids(base, CORPUS[0]))
    from hyperword.tokenizer.base import base_encode_batch

    assert base_encode_batch(base, ODD_STRINGS) == [base_ids(base, t) for t in ODD_STRINGS]


@pytest.mark.real_model
@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=60))
def test_gemma_round_trip_property(gemma, text):
    base, tok = gemma
    assume(gemma_round_trips(base, text))
    assert tok.decode(tok.encode(text)) == text


def test_shipped_tokenizer_files():
    from hyperword.tokenizer import HyperwordTokenizerConfig, shipped_tokenizers
    from hyperword.tokenizer.shipped import SHIPPED_DIR, resolve_tokenizer_folder

    assert "gemma-3-270m" in shipped_tokenizers()
    folder = resolve_tokenizer_folder("gemma-3-270m")
    config = HyperwordTokenizerConfig.load(folder)
    assert (config.base_name, config.num_hyperwords) == ("gemma-3-270m", 32_000)
    assert (folder / "hyperwords.json").stat().st_size < 3_000_000
    assert (folder / "README.md").is_file() and folder.parent == SHIPPED_DIR
    with pytest.raises(CorruptTokenizerError, match="shipped one: gemma-3-270m"):
        resolve_tokenizer_folder("no-such-model")


def test_compress_inverts_expand(trained):
    text = CORPUS[0]
    ids = trained.encode(text)
    assert trained.compress(trained.expand(ids)) == ids
    assert trained.compress([]) == []
    with pytest.raises(ValueError, match="base ids"):
        trained.compress([trained.base_vocab_size])


def test_fingerprint_tracks_the_hyperwords(trained, tiny_tokenizer, tmp_path):
    trained.save_pretrained(tmp_path)
    loaded = HyperwordTokenizer.from_pretrained(tmp_path, base_tokenizer=tiny_tokenizer)
    assert loaded.fingerprint == trained.fingerprint and len(trained.fingerprint) == 64
    smaller = HyperwordTokenizer.train(CORPUS, tiny_tokenizer, num_hyperwords=5)
    assert smaller.fingerprint != trained.fingerprint


@pytest.mark.real_model
def test_shipped_tokenizer_over_gemma(gemma):
    from hyperword.tokenizer import default_tokenizer

    base, _ = gemma
    tok = default_tokenizer(base_tokenizer=base)
    assert tok.fingerprint.startswith("803d4241a0523177")
    text = "The Black Death was one of the most devastating pandemics in human history."
    ids = tok.encode(text)
    assert tok.decode(ids) == text and len(ids) < len(base_ids(base, text))
