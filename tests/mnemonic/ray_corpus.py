"""A small corpus of every supported file kind, a bad file among them, and its store rows."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import lancedb
import pyarrow as pa
import pyarrow.parquet as pq

from tests.mnemonic.conftest import make_documents

ROW_COLUMNS = ["id", "doc_id", "doc_hash", "chunk_index", "text", "text_tokens", "metadata"]


def write_corpus(folder: Path, *, n_docs: int = 8) -> Path:
    """Text, Markdown, gzipped text, JSONL (one bad line) and Parquet, plus a binary file."""
    docs = make_documents(n_docs, sentences=6)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.txt").write_text(docs[0].text + "\n\n" + docs[1].text)
    (folder / "b.md").write_text("# Notes\n\n" + docs[2].text)
    with gzip.open(folder / "c.txt.gz", "wt") as handle:
        handle.write(docs[3].text)
    lines = [json.dumps({"id": d.doc_id, "text": d.text, "n": i}) for i, d in enumerate(docs[4:6])]
    (folder / "d.jsonl").write_text("\n".join([*lines, "{not json"]) + "\n")
    rows = [{"doc_id": d.doc_id, "text": d.text, "lang": "en"} for d in docs[6:]]
    pq.write_table(pa.Table.from_pylist(rows), folder / "e.parquet")
    (folder / "bad.txt").write_bytes(b"binary\x00data")
    return folder


def store_rows(store: Path, columns: list[str]) -> dict[str, dict]:
    """The `chunks` rows by id, with `columns`."""
    table = lancedb.connect(str(store)).open_table("chunks")
    rows = table.search().select(columns).limit(None).to_arrow().to_pylist()
    return {row["id"]: row for row in rows}


def store_documents(store: Path) -> dict[str, tuple]:
    table = lancedb.connect(str(store)).open_table("documents")
    rows = table.search().limit(None).to_arrow().to_pylist()
    return {r["doc_id"]: (r["doc_hash"], r["chunks"], r["source"], r["metadata"]) for r in rows}
