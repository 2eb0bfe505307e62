"""Hybrid search: a BM25 index beside the FAISS vectors, fused by reciprocal rank."""

from __future__ import annotations

import random

import pytest

from mnemonic import ConfigError
from mnemonic.hybrid import RRF_K, SEARCH_MODES, reciprocal_rank_fusion

SYLLABLES = ["ka", "lo", "mi", "ru", "ze", "ta", "vo", "ni", "su", "pe", "dra", "gol", "fen"]


def name_records(n: int, seed: int = 0) -> list[tuple[str, str, str]]:
    """`n` (inventor, town, fruit) triples of invented names, all distinct."""
    rng = random.Random(seed)
    seen: set[str] = set()
    records = []
    while len(records) < n:
        names = ["".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize() for _ in range(3)]
        if not seen & set(names) and len(set(names)) == 3:
            seen |= set(names)
            records.append(tuple(names))
    return records


@pytest.fixture(scope="module")
def name_store(tmp_path_factory, embedder, tokenizer):
    from mnemonic import MnemonicStore

    store = MnemonicStore(tmp_path_factory.mktemp("names"), embedder=embedder, tokenizer=tokenizer)
    records = name_records(60)
    store.add_documents(
        {
            "doc_id": f"r{i}",
            "text": f"In 1803 the inventor {x} of {y} built a clock that runs on {z} juice.",
        }
        for i, (x, y, z) in enumerate(records)
    )
    return store, records


def test_reciprocal_rank_fusion_sums_one_over_k_plus_rank():
    fused = reciprocal_rank_fusion([["a", "b"], ["b", "c"]])
    assert fused["a"] == pytest.approx(1 / (RRF_K + 1))
    assert fused["b"] == pytest.approx(1 / (RRF_K + 2) + 1 / (RRF_K + 1))
    assert max(fused, key=fused.get) == "b"  # found by both rankings


def _top3_found(store, records, mode):
    found = 0
    for i, (_, _, fruit) in enumerate(records[:20]):
        question = f"Which inventor built a clock that runs on {fruit} juice?"
        hits = store.search(question, k=3, mode=mode)
        found += any(hit.doc_id == f"r{i}" for hit in hits)
    return found


def test_hybrid_and_lexical_find_exact_names(name_store):
    store, records = name_store
    assert _top3_found(store, records, "lexical") >= 19
    assert _top3_found(store, records, "hybrid") >= 19
    assert _top3_found(store, records, "hybrid") >= _top3_found(store, records, "dense")


def test_every_mode_scores_hits_by_cosine(name_store):
    store, records = name_store
    query = f"a clock that runs on {records[3][2]} juice"
    by_mode = {mode: store.search(query, k=5, mode=mode) for mode in SEARCH_MODES}
    dense = {hit.id: hit.score for hit in store.search(query, k=60, mode="dense")}
    for mode, hits in by_mode.items():
        assert hits, mode
        for hit in hits:
            assert hit.score == pytest.approx(dense[hit.id], abs=1e-4), mode
    assert by_mode["lexical"][0].lexical_score > 0
    assert by_mode["hybrid"][0].fused_score > 0
    assert by_mode["dense"][0].fused_score is None


def test_unknown_mode_and_lexical_without_text_raise_one_clear_error(name_store):
    store, _ = name_store
    with pytest.raises(ConfigError, match="search mode must be one of"):
        store.search("clock", mode="semantic")
    with pytest.raises(ConfigError, match="needs the query text"):
        store.search_by_vector(store.embed(["clock"])[0], mode="lexical")
    assert store.search_by_vector(store.embed(["clock"])[0], k=2)  # dense without text


def test_lexical_index_follows_appends_deletes_and_filters(make_store):
    store = make_store()
    store.add_documents([{"doc_id": "a", "text": "The Quorvex valve opens at dawn."}])
    store.add_documents([{"doc_id": "b", "text": "Error E4471 means the Quorvex valve is stuck."}])
    found = [hit.doc_id for hit in store.search("E4471", k=2, mode="lexical")]
    assert found == ["b"]  # appended after the index was built, found all the same
    where = store.search("Quorvex valve", k=5, mode="lexical", where="doc_id = 'a'")
    assert [hit.doc_id for hit in where] == ["a"]
    with pytest.raises(ConfigError, match="invalid filter"):
        store.search("Quorvex", mode="lexical", where="no_such_column = 1")
    store.delete("b")
    assert [hit.doc_id for hit in store.search("Quorvex E4471", k=5, mode="hybrid")] == ["a"]
    store.compact()
    assert [hit.doc_id for hit in store.search("Quorvex", k=5, mode="lexical")] == ["a"]


def test_lexical_search_on_an_empty_store_finds_nothing(make_store):
    store = make_store()
    assert store.search("anything", mode="lexical") == []
    assert store.search("anything", mode="hybrid") == []
