from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mnemonic import Chunker, ChunkingConfig, ConfigError
from tests.mnemonic.conftest import tiny_tokenizer_named

TOKENIZER = tiny_tokenizer_named()


def _words(text: str) -> list[str]:
    return re.findall(r"\S+", text)


@pytest.mark.parametrize(
    "options",
    [{"chunk_tokens": 4}, {"overlap_tokens": -1}, {"chunk_tokens": 32, "overlap_tokens": 17}],
)
def test_config_rejects_bad_values(options):
    with pytest.raises(ConfigError):
        ChunkingConfig(**options)


def test_chunks_end_at_sentences_and_overlap_by_whole_sentences():
    sentences = [f"Sentence {i} is short." for i in range(12)]
    config = ChunkingConfig(chunk_tokens=60, overlap_tokens=20)
    chunks = Chunker(TOKENIZER, config).chunk_text(" ".join(sentences))
    assert len(chunks) > 2
    for chunk in chunks:
        assert chunk.tokens <= 60
        assert chunk.text.startswith("Sentence") and chunk.text.endswith(".")
    for a, b in itertools.pairwise(chunks):
        last = a.text.rsplit("Sentence", 1)[1]
        assert b.text.startswith("Sentence" + last)  # the previous chunk's last sentence
    assert [c.index for c in chunks] == list(range(len(chunks)))


def test_long_sentence_is_split_with_token_overlap():
    text = " ".join(f"word{i}" for i in range(200))  # no sentence end at all
    chunks = Chunker(TOKENIZER, ChunkingConfig(chunk_tokens=32, overlap_tokens=8)).chunk_text(text)
    assert len(chunks) > 3
    assert all(c.tokens <= 32 for c in chunks)
    assert all(c.tokens == 32 for c in chunks[:-1])


def test_blocks_continue_indices_and_keep_all_text():
    config = ChunkingConfig(chunk_tokens=32, overlap_tokens=0)
    blocks = ["First block. It has two sentences.\n", "Second block here.\n", "   \n"]
    chunks = list(Chunker(TOKENIZER, config).chunk_blocks(blocks))
    assert [c.index for c in chunks] == list(range(len(chunks)))
    assert _words(" ".join(c.text for c in chunks)) == _words("".join(blocks))


def test_rejects_slow_tokenizer():
    class Slow:
        is_fast = False

    with pytest.raises(ConfigError, match="fast tokenizer"):
        Chunker(Slow())


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.text(alphabet="abcdefgh .!?\n", min_size=0, max_size=60), min_size=1, max_size=12),
    st.integers(min_value=8, max_value=40),
)
def test_property_chunks_fit_and_cover_every_word_without_overlap(parts, size):
    text = " ".join(parts)
    config = ChunkingConfig(chunk_tokens=size, overlap_tokens=0)
    chunks = Chunker(TOKENIZER, config).chunk_text(text)
    assert all(0 < c.tokens <= size and c.text.strip() for c in chunks)
    # without overlap, the chunks are the text in order (token cuts may split a word)
    assert "".join("".join(c.text.split()) for c in chunks) == "".join(text.split())


@pytest.mark.real_model
def test_gemma_token_counts_match_the_base_tokenizer():
    from hyperword.models import load_tokenizer

    tokenizer = load_tokenizer("gemma-3-270m")
    text = (
        "The Velloran Glass Bridge crosses the Quell River. It was designed by Marisol "
        "Dutrane and opened in 1872 after nine years of work. "
    ) * 20
    chunks = Chunker(tokenizer, ChunkingConfig(chunk_tokens=64, overlap_tokens=16)).chunk_text(text)
    assert len(chunks) > 3
    for chunk in chunks:
        assert chunk.tokens <= 64
        recount = len(tokenizer(chunk.text, add_special_tokens=False)["input_ids"])
        assert abs(recount - chunk.tokens) <= 1


def test_chinese_text_is_chunked_at_its_full_stops(tokenizer):
    sentence = "长城是中国古代的军事防御工程。"
    chunker = Chunker(tokenizer, ChunkingConfig(chunk_tokens=64, overlap_tokens=0))
    chunks = chunker.chunk_text(sentence * 12)
    assert len(chunks) > 1
    assert all(chunk.text.endswith("。") for chunk in chunks)
