"""Sentences in any script, segments, and cuts that never split a word or a number."""

from __future__ import annotations

import pytest

from hyperword.sentences import (
    is_word_boundary,
    segment_spans,
    sentence_spans,
    split_sentences,
    word_boundary_cut,
)

PASSAGES = {
    "chinese": ("长城很长。它有两千年历史！你去过吗？我去过。", 4),
    "japanese": ("東京タワーは高いです。誰が設計しましたか？内藤多仲です。", 3),
    "hindi": ("ताजमहल आगरा में है। इसे शाहजहाँ ने बनवाया था। यह कब बना? यह 1653 में बना।", 4),
    "arabic": ("القاهرة هي عاصمة مصر. ما هو أطول نهر؟ نهر النيل هو أطول نهر.", 3),
    "english": ("Dr. Smith met Mr. J. R. Brown at 3 p.m. on Jan. 5. The price was $4.50! Fair?", 3),
    "lines": ("name: Ada\nprice: 90210\ncity: Brask", 3),
}


@pytest.mark.parametrize("script", sorted(PASSAGES))
def test_sentence_ends_in_every_script(script):
    text, count = PASSAGES[script]
    sentences = split_sentences(text)
    assert len(sentences) == count, sentences
    spans = sentence_spans(text)
    assert "".join(text[a:b] for a, b in spans) == text  # the spans cover the text


def test_segments_of_a_record():
    text = '{"name": "Ada", "city": "Brask"; "zip": 90210 | "x"}'
    pieces = [text[a:b] for a, b in segment_spans(text)]
    assert "".join(pieces) == text and len(pieces) == 4


@pytest.mark.parametrize(
    ("text", "position", "boundary"),
    [
        ("price 90210", 8, False),  # inside a number
        ("price 90210", 6, True),
        ("in Brask.", 5, False),  # inside a word
        ("$4.50 each", 3, False),  # 4.|50
        ("$4.50 each", 2, False),  # 4|.50
        ("1911. Then", 5, True),  # a full stop, not a decimal point
        ("निर्माण", 2, False),  # a Devanagari letter and its vowel sign
        ("长城很长", 2, True),  # no spaces in Chinese: between any two characters
    ],
)
def test_word_boundaries(text, position, boundary):
    assert is_word_boundary(text, position) is boundary


def test_a_cut_backs_off_to_the_end_of_the_last_whole_word(tiny_tokenizer):
    text = "The toll for the Velloran Glass Bridge is 90210 crowns a year."
    ids = tiny_tokenizer(text, add_special_tokens=False).input_ids
    for keep in range(1, len(ids)):
        kept = word_boundary_cut(tiny_tokenizer, text, ids, keep)
        assert kept <= keep
        cut = tiny_tokenizer.decode(ids[:kept])
        assert is_word_boundary(text, len(cut)), (keep, cut)
        assert "902" not in cut or "90210" in cut
