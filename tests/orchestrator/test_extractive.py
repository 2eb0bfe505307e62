"""Question-focused excerpts and two-hop retrieval (real MiniLM embedder, real store)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from mnemonic import ChunkingConfig, MnemonicStore
from orchestrator import AskOptions, OptionError, Orchestrator
from orchestrator.extractive import SentenceScorer, bridge_query, content_words, split_sentences
from orchestrator.retrieval import interleave_hops, retrieve

PASSAGE = (
    "Brask is a small town on the Quell River. "
    "Its market sells river fish and wool every spring. "
    "The Velloran Glass Bridge in Brask was designed by Marisol Dutrane. "
    "Tourists often stop to photograph the swans below."
)
DESIGN = "The Velloran Glass Bridge in Brask was designed by Marisol Dutrane."

# two-hop: the question names the bridge; only the bridge's text names its designer
HOPS = {
    "lutri": "Scholars from Elith have written two letters about the Lutri Bridge. "
    "The Lutri Bridge was designed by Zolu Ovaith. "
    "Merchants trading salt in Stopelpel still talk about the Lutri Bridge.",
    "zolu": "Zolu Ovaith was born in the town of Rinel. "
    "Children in Venra learn a well-known rhyme about Zolu Ovaith.",
    "torris": "The Torrisova Bridge was designed by Dentridor Trimizo. "
    "The Torrisova Bridge is often mentioned in the old songs of Kadorga.",
    "dentri": "Dentridor Trimizo was born in the town of Vatri. "
    "Merchants trading wool in Venvelrin still talk about Dentridor Trimizo.",
    "brasto": "Brasto Ringa rides a grey pony named Fendalva. "
    "Every winter, visitors from Velfenden come to see Brasto Ringa.",
}
HOP_QUESTION = "In which town was the designer of the Lutri Bridge born?"


def test_content_words_meet_on_their_stems():
    assert content_words("Who was the designer of the bridge?") == {"desig", "bridg"}
    assert content_words("It was designed by her") == {"desig"}


def test_bridge_query_keeps_what_the_question_lacks():
    sentence = "The Lutri Bridge was designed by Zolu Ovaith."
    assert bridge_query(HOP_QUESTION, sentence) == "Zolu Ovaith"
    assert bridge_query("Lutri Bridge designed?", "The Lutri Bridge.") == "The Lutri Bridge."


def test_split_sentences():
    assert split_sentences(PASSAGE)[2] == DESIGN
    assert len(split_sentences(PASSAGE)) == 4
    assert split_sentences('He said "stop." Then he left') == ['He said "stop."', "Then he left"]
    assert split_sentences("no end mark") == ["no end mark"]
    assert split_sentences("  \n ") == []


def test_excerpt_keeps_the_sentences_nearest_the_question_in_order(embedder, base_tokenizer):
    focus = SentenceScorer("Who designed the Velloran Glass Bridge?", _embed(embedder))
    design = DESIGN
    keep = len(base_tokenizer(design, add_special_tokens=False).input_ids)
    ids = focus.excerpt(base_tokenizer, PASSAGE, keep)
    assert base_tokenizer.decode(ids) == design  # not the passage's opening sentence
    full = base_tokenizer(PASSAGE, add_special_tokens=False).input_ids
    roomy = focus.excerpt(base_tokenizer, PASSAGE, len(full) - 1)  # all but one sentence fit
    text = base_tokenizer.decode(roomy)
    assert design in text and len(roomy) <= len(full) - 1
    kept = [s for s in split_sentences(PASSAGE) if s in text]
    assert text == " ".join(kept)  # the passage's own order
    assert focus.best_sentence(PASSAGE) == design


def test_the_rest_of_an_excerpt_is_the_sentences_it_left_out_in_order(embedder, base_tokenizer):
    focus = SentenceScorer("Who designed the Velloran Glass Bridge?", _embed(embedder))
    keep = len(base_tokenizer(DESIGN, add_special_tokens=False).input_ids)
    ids, rest = focus.excerpt_rest(base_tokenizer, PASSAGE, keep)
    assert ids == focus.excerpt(base_tokenizer, PASSAGE, keep)
    others = [s for s in split_sentences(PASSAGE) if s != DESIGN]
    assert rest == " ".join(others)  # every other sentence, in the passage's order
    whole = len(base_tokenizer(PASSAGE, add_special_tokens=False).input_ids)
    assert focus.excerpt_rest(base_tokenizer, PASSAGE, whole)[1] == ""  # nothing left out
    assert focus.excerpt_rest(base_tokenizer, PASSAGE, 5)[1] == ""  # a cut sentence: no rest
    assert focus.excerpt_rest(base_tokenizer, PASSAGE, 0) == ([], "")


def test_an_overlong_best_sentence_is_cut_not_dropped(embedder, base_tokenizer):
    focus = SentenceScorer("Who designed the Velloran Glass Bridge?", _embed(embedder))
    ids = focus.excerpt(base_tokenizer, PASSAGE, 5)
    kept = base_tokenizer.decode(ids)
    assert 0 < len(ids) <= 5 and kept.strip() and DESIGN.startswith(kept.strip())
    assert DESIGN[len(kept.strip())] == " "  # ends between two words
    assert focus.excerpt(base_tokenizer, "", 5) == []


# the answer is in the last sentence; an excerpt of about half the passage must keep it
SCRIPTS = {
    "chinese": (
        "长城是中国古代的军事防御工程。它东起山海关，西至嘉峪关。许多游客每年都去参观长城。"
        "长城的总长度超过两万一千公里。",
        "长城的总长度是多少？",
        "两万一千公里",
    ),
    "japanese": (
        "東京タワーは東京都港区にある電波塔です。毎年多くの観光客が訪れます。"
        "夜になると美しくライトアップされます。東京タワーの高さは三百三十三メートルです。",
        "東京タワーの高さは何メートルですか？",
        "三百三十三メートル",
    ),
    "hindi": (
        "ताजमहल आगरा शहर में यमुना नदी के किनारे स्थित है। हर साल लाखों पर्यटक इसे देखने आते हैं। "
        "यह सफेद संगमरमर से बना है। ताजमहल का निर्माण सन सोलह सौ तिरपन में पूरा हुआ।",
        "ताजमहल का निर्माण कब पूरा हुआ?",
        "सोलह सौ तिरपन",
    ),
}


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_excerpts_find_the_last_sentence_in_any_script(script, embedder, base_tokenizer):
    passage, question, answer = SCRIPTS[script]
    focus = SentenceScorer(question, _embed(embedder))
    whole = len(base_tokenizer(passage, add_special_tokens=False).input_ids)
    ids = focus.excerpt(base_tokenizer, passage, whole // 2)
    assert 0 < len(ids) <= whole // 2
    assert answer in base_tokenizer.decode(ids)


def test_text_without_sentence_ends_keeps_the_segment_the_question_is_about(
    embedder, base_tokenizer
):
    record = (
        '{"name": "Velloran Glass Bridge", "town": "Brask", "river": "Quell", '
        '"opened": 1911, "designer": "Marisol Dutrane", "toll": "none", "postcode": 90210}'
    )
    focus = SentenceScorer("What is the postcode of the bridge?", _embed(embedder))
    total = len(base_tokenizer(record, add_special_tokens=False).input_ids)
    ids = focus.excerpt(base_tokenizer, record, total // 3)
    kept = base_tokenizer.decode(ids)
    assert "90210" in kept and '"town"' not in kept  # not the record's opening


@dataclass(frozen=True)
class _Hit:
    id: str


def test_interleave_hops_alternates_and_keeps_each_chunk_once():
    first = [_Hit("a"), _Hit("b"), _Hit("c")]
    second = [_Hit("a"), _Hit("x"), _Hit("b"), _Hit("y")]
    merged = interleave_hops(first, second, k=10)
    assert [(hit.id, hop) for hit, hop in merged] == [
        ("a", 1),
        ("x", 2),
        ("b", 1),
        ("c", 1),
        ("y", 2),
    ]
    assert len(interleave_hops(first, second, k=2)) == 2
    assert interleave_hops([], second, k=5) == []


@pytest.fixture
def hop_store(tmp_path, embedder, base_tokenizer):
    chunking = ChunkingConfig(chunk_tokens=200, overlap_tokens=0)  # one chunk per document
    store = MnemonicStore(
        tmp_path / "hops", embedder=embedder, tokenizer=base_tokenizer, chunking=chunking
    )
    store.add_documents([{"doc_id": k, "text": v} for k, v in HOPS.items()])
    yield store
    store.close()


def test_a_second_hop_finds_the_bridge_document(hop_store):
    one = [hit.doc_id for hit, _ in retrieve(hop_store, HOP_QUESTION, k=2)]
    two = retrieve(hop_store, HOP_QUESTION, k=2, hops=2)
    assert one[0] == "lutri" and "zolu" not in one  # the question alone misses the designer
    assert [(hit.doc_id, hop) for hit, hop in two] == [("lutri", 1), ("zolu", 2)]


def test_orchestrator_reports_excerpts_and_hops(hop_store, model, base_tokenizer):
    orchestrator = Orchestrator(hop_store, model=model, base_tokenizer=base_tokenizer)
    report = orchestrator.ask(HOP_QUESTION, budget=40, k=2, hops=2, max_new_tokens=2).report
    first = report.sources[0]
    assert first.doc_id == "lutri" and first.level == "text"
    assert first.cut and first.excerpt  # the best chunk does not fit: its nearest sentences
    assert report.context_tokens <= 40
    plain = orchestrator.ask(HOP_QUESTION, budget=40, k=2, focus=False, max_new_tokens=2)
    assert plain.report.sources[0].cut and not plain.report.sources[0].excerpt
    roomy = orchestrator.ask(HOP_QUESTION, budget=400, k=2, hops=2, max_new_tokens=2).report
    assert [(s.doc_id, s.hop, s.cut) for s in roomy.sources] == [
        ("lutri", 1, False),
        ("zolu", 2, False),
    ]
    with pytest.raises(OptionError, match="hops"):
        AskOptions(hops=3)
    with pytest.raises(OptionError, match="focus"):
        AskOptions(focus="yes")


def _embed(embedder):
    def embed(texts):
        return embedder.encode(list(texts), normalize_embeddings=True, convert_to_numpy=True)

    return embed
