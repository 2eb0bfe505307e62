"""Entities of chunks and the link table beside them."""

from __future__ import annotations

import lancedb

from mnemonic.entities import entity_key, extract_entities, title_of


def _found(text, **kwargs):
    return {(e.text, e.kind) for e in extract_entities(text, **kwargs)}


def test_entities_are_names_titles_quotes_dates_and_numbers():
    text = (
        "It was released on August 12, 2014 by YG Entertainment. The group was formed by "
        'S.M. Entertainment in 2008 and sold 12,000 copies of "The Shinee World".'
    )
    found = _found(text, title="2014 S/S")
    assert {
        ("2014 S/S", "title"),
        ("YG Entertainment", "name"),
        ("S.M. Entertainment", "name"),
        ("August 12, 2014", "date"),
        ("2008", "date"),
        ("12,000", "number"),
        ("The Shinee World", "quoted"),
    } <= found
    assert not {text for text, _ in found} & {"It", "The", "August"}  # openers, lone months


def test_names_join_connectives_and_stop_at_punctuation():
    found = _found("He met the Bank of England, Seoul and Jean de la Fontaine.")
    expected = {("Bank of England", "name"), ("Seoul", "name"), ("Jean de la Fontaine", "name")}
    assert expected <= found
    assert not any("England Seoul" in text or "Seoul and" in text for text, _ in found)
    question = _found("Are Annie Morton and Terry Richardson both American?")
    assert {("Annie Morton", "name"), ("Terry Richardson", "name")} <= question  # not "Are ..."


def test_codes_count_as_names_and_keys_ignore_case_accents_and_the():
    found = _found("Replace part SKU-4411 when the display shows error E404 on an iPhone.")
    assert {("SKU-4411", "name"), ("E404", "name"), ("iPhone", "name")} <= found
    assert entity_key("The Beatles") == entity_key("beatles") == "beatles"
    assert entity_key("Téa Leoni") == "tea leoni"


def test_titles_come_from_metadata_or_the_doc_id():
    assert title_of("Winner (band)") == "Winner"
    assert title_of("2014 S/S") == "2014 S/S"
    assert title_of("notes/tea.md") == "tea"
    assert title_of("x.jsonl#3", {"title": "Moon Ferry"}) == "Moon Ferry"


def _link_rows(folder):
    table = lancedb.connect(str(folder)).open_table("links")
    return sorted(
        (r["chunk_id"], r["key"])
        for r in table.search().select(["chunk_id", "key"]).limit(None).to_arrow().to_pylist()
    )


DOCS = [
    {"doc_id": "Velmund Bridge", "text": "The Velmund Bridge was designed by Orla Tamris."},
    {"doc_id": "Orla Tamris", "text": "Orla Tamris was born in the town of Kadorin."},
    {"doc_id": "Kadorin", "text": "Kadorin is a river town with a tea market."},
]


def test_neighbours_follow_shared_names_and_titles(make_store):
    store = make_store()
    store.add_documents(DOCS)
    bridge = store.search("Who designed the Velmund Bridge?", k=1)[0]
    assert bridge.doc_id == "Velmund Bridge"
    keys = {e.key for e in store.entities([bridge.id])[bridge.id]}
    assert {"velmund bridge", "orla tamris"} <= keys
    neighbours = store.neighbours(bridge.id)
    assert [n.doc_id for n in neighbours] == ["Orla Tamris"]
    assert neighbours[0].shared == ("Orla Tamris",)
    naming = store.chunks_naming(["kadorin"])
    assert sorted(entry["doc_id"] for entry in naming.values()) == ["Kadorin", "Orla Tamris"]
    titled = [entry["doc_id"] for entry in naming.values() if "kadorin" in entry["titles"]]
    assert titled == ["Kadorin"]  # the chunk whose own title the key is


def test_links_are_updated_and_deleted_with_their_chunks(make_store, tmp_path):
    store = make_store()
    store.add_documents(DOCS)
    before = _link_rows(tmp_path / "store")
    store.add_documents(DOCS)  # unchanged: a no-op
    assert _link_rows(tmp_path / "store") == before
    store.add_documents([{"doc_id": "Orla Tamris", "text": "Orla Tamris drew maps of Brell."}])
    keys = {key for _, key in _link_rows(tmp_path / "store")}
    assert "brell" in keys and "kadorin" in keys  # Kadorin's own title stays
    store.delete("Kadorin")
    keys = {key for _, key in _link_rows(tmp_path / "store")}
    assert "kadorin" not in keys
    bridge = store.search("Velmund Bridge", k=1)[0]
    assert [n.doc_id for n in store.neighbours(bridge.id)] == ["Orla Tamris"]


def test_a_store_missing_links_gets_them_at_its_next_write(make_store, tmp_path):
    store = make_store()
    store.add_documents(DOCS[:2])
    complete = _link_rows(tmp_path / "store")
    lancedb.connect(str(tmp_path / "store")).open_table("links").delete("true")  # as if killed
    reopened = make_store()
    assert not reopened.has_links
    reopened.add_documents(DOCS[:2])  # nothing new to write; the sync still runs
    assert _link_rows(tmp_path / "store") == complete
    assert reopened.has_links
