"""Link-following retrieval, comparison questions and one excerpt per hop."""

from __future__ import annotations

import pytest

from mnemonic import ChunkingConfig, MnemonicStore
from mnemonic.entities import Entity
from orchestrator.linked import (
    bridge_entities,
    compared_entities,
    follow_links,
    lookup_compared,
)
from orchestrator.planner import Candidate
from orchestrator.policy import create_policy
from orchestrator.retrieval import retrieve

DOCS = {
    "2014 S/S": "2014 S/S is the debut album of South Korean group WINNER. "
    "It was released on August 12, 2014 by the group's record label.",
    "Winner (band)": "Winner is a South Korean boy group formed in 2013 by YG Entertainment.",
    "History (band)": "History was a South Korean boy group formed by LOEN Entertainment.",
    "Annie Morton": "Annie Morton (born October 8, 1970) is an American model.",
    "Terry Richardson": "Terrence Richardson (born August 14, 1965) is an American "
    "fashion and portrait photographer.",
}
BRIDGE = "2014 S/S is the debut album of a South Korean boy group that was formed by who?"


@pytest.fixture
def linked_store(tmp_path, embedder, base_tokenizer):
    chunking = ChunkingConfig(chunk_tokens=200, overlap_tokens=0)  # one chunk per document
    store = MnemonicStore(
        tmp_path / "linked", embedder=embedder, tokenizer=base_tokenizer, chunking=chunking
    )
    store.add_documents([{"doc_id": k, "text": v} for k, v in DOCS.items()])
    yield store
    store.close()


def test_bridge_entities_are_the_names_the_question_lacks():
    entities = [
        Entity("2014 s s", "2014 S/S", "title"),
        Entity("winner", "WINNER", "name"),
        Entity("south korean", "South Korean", "name"),
        Entity("august 12 2014", "August 12, 2014", "date"),
    ]
    assert bridge_entities(BRIDGE, entities) == ["winner"]


def test_follow_links_finds_the_document_the_first_names(linked_store):
    vector = linked_store.embed([BRIDGE])[0]
    first = linked_store.search_by_vector(vector, k=1, text=BRIDGE)
    assert first[0].doc_id == "2014 S/S"
    linked = follow_links(linked_store, BRIDGE, first, k=5, vector=vector)
    assert [hit.doc_id for hit in linked] == ["Winner (band)"]
    assert linked[0].score == pytest.approx(float(linked_store.embed([linked[0].text])[0] @ vector))
    found = retrieve(linked_store, BRIDGE, k=3, hops=2)
    assert [hit.doc_id for hit, _ in found][:2] == ["2014 S/S", "Winner (band)"]


def test_a_comparison_question_fetches_both_entities(linked_store):
    question = "Who is older, Annie Morton or Terry Richardson?"
    assert compared_entities(question) == ["Annie Morton", "Terry Richardson"]
    assert compared_entities("Who founded YG Entertainment?") == []
    vector = linked_store.embed([question])[0]
    hits = lookup_compared(linked_store, compared_entities(question), vector=vector)
    assert [hit.doc_id for hit in hits] == ["Annie Morton", "Terry Richardson"]
    found = retrieve(linked_store, question, k=4, hops=2)
    assert {"Annie Morton", "Terry Richardson"} <= {hit.doc_id for hit, _ in found[:2]}


def test_without_links_hops_2_searches_the_bridge_sentence(linked_store):
    found = retrieve(linked_store, BRIDGE, k=3, hops=2, links=False)
    assert found[0][0].doc_id == "2014 S/S" and {hop for _, hop in found} == {1, 2}


def _candidate(index, cost, hop=1, score=0.5):
    return Candidate(index=index, doc_id=f"d{index}", score=score, costs={"text": cost}, hop=hop)


def test_one_excerpt_per_hop_rather_than_one_long_source():
    policy = create_policy("default")
    paired = policy.plan([_candidate(0, 200), _candidate(1, 200, hop=2, score=0.1)], budget=200)
    assert [(s.index, s.limit) for s in paired] == [(0, 100), (1, 100)]
    single = policy.plan([_candidate(0, 200), _candidate(1, 200)], budget=200)
    assert [(s.index, s.limit) for s in single] == [(0, None)]  # the first takes it all
    off = create_policy("default", pair_hops=False)
    assert len(off.plan([_candidate(0, 200), _candidate(1, 200, hop=2)], budget=200)) == 1


def test_a_link_to_the_neighbours_own_title_ranks_first(linked_store):
    """ "WINNER" in the seed is the title of "Winner (band)": that neighbour outranks a chunk
    that only mentions the name, however much it shares with the question."""
    linked_store.add_documents(
        [
            {
                "doc_id": "Fan club",
                "text": "A club for the fans loves WINNER, a South Korean boy group.",
            }
        ]
    )
    naming = linked_store.chunks_naming(["winner"])
    titled = {entry["doc_id"] for entry in naming.values() if "winner" in entry["titles"]}
    assert titled == {"Winner (band)"}
    vector = linked_store.embed([BRIDGE])[0]
    first = linked_store.search_by_vector(vector, k=1, text=BRIDGE)
    linked = follow_links(linked_store, BRIDGE, first, k=5, vector=vector)
    assert [hit.doc_id for hit in linked][:2] == ["Winner (band)", "Fan club"]


def test_a_compared_name_fetches_the_document_titled_with_it(linked_store):
    linked_store.add_documents(
        [
            {
                "doc_id": "Morton fans",
                "text": "Annie Morton, Annie Morton: a fan page for Annie Morton.",
            }
        ]
    )
    question = "Are Annie Morton and Terry Richardson both American?"
    vector = linked_store.embed([question])[0]
    hits = lookup_compared(linked_store, compared_entities(question), vector=vector)
    assert [hit.doc_id for hit in hits] == ["Annie Morton", "Terry Richardson"]


def test_ask_reports_which_hop_found_each_source(linked_store, base_tokenizer):
    from orchestrator import Orchestrator
    from tests.conftest import build_tiny_model

    model = build_tiny_model(len(base_tokenizer))
    orchestrator = Orchestrator(linked_store, model=model, base_tokenizer=base_tokenizer)
    options = {"budget": 128, "k": 3, "max_new_tokens": 1}
    answer = orchestrator.ask(BRIDGE, hops=2, **options)
    sources = {source.doc_id: source.hop for source in answer.report.sources}
    assert sources["2014 S/S"] == 1 and sources["Winner (band)"] == 2
    assert all(source.tokens <= 64 for source in answer.report.sources)  # one excerpt per hop
    lexical = orchestrator.ask(
        "Which group is signed to LOEN Entertainment?", mode="lexical", hops=1, **options
    )
    assert lexical.report.sources[0].doc_id == "History (band)"
    with pytest.raises(Exception, match="mode"):
        orchestrator.ask(BRIDGE, mode="semantic", **options)
