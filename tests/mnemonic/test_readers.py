from __future__ import annotations

import gzip
import json

from mnemonic.readers import iter_path_documents


def _docs(paths, *, block_chars=1024):
    skipped = []
    docs = list(iter_path_documents(paths, block_chars=block_chars, skipped=skipped))
    return docs, skipped


def test_folder_walk_ids_formats_and_bad_inputs(tmp_path):
    root = tmp_path / "corpus"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text("Alpha text.")
    (root / "sub" / "b.md").write_text("# Beta\n\nBeta text.")
    (root / "c.jsonl").write_text(
        json.dumps({"text": "Gamma.", "id": "g1", "lang": "en"})
        + "\nnot json\n"
        + json.dumps({"text": "Delta."})
        + "\n"
        + json.dumps({"no_text": 1})
        + "\n"
    )
    (root / "empty.txt").write_text("  \n")
    (root / "binary.txt").write_bytes(b"abc\x00def")
    (root / "latin1.md").write_bytes("caf\xe9".encode("latin-1"))
    (root / "image.png").write_bytes(b"\x89PNG")
    (root / ".hidden.txt").write_text("hidden")
    docs, skipped = _docs([root])
    assert [d.doc_id for d in docs] == ["a.txt", "g1", "c.jsonl#3", "sub/b.md"]
    assert docs[1].metadata == {"source": str(root / "c.jsonl"), "lang": "en"}
    assert "".join(docs[3].blocks()) == "# Beta\n\nBeta text."
    reasons = {s.path.rsplit("/", 1)[-1]: s.reason for s in skipped}
    assert reasons["empty.txt"] == "empty file"
    assert "binary" in reasons["binary.txt"]
    assert "UTF-8" in reasons["latin1.md"]
    assert "invalid JSON" in reasons["c.jsonl:2"]
    assert "text" in reasons["c.jsonl:4"]
    assert "image.png" not in reasons  # unsupported files inside folders are ignored quietly


def test_direct_file_uses_its_name_and_unsupported_is_reported(tmp_path):
    (tmp_path / "x.md").write_text("Text.")
    (tmp_path / "y.csv").write_text("a,b")
    docs, skipped = _docs([tmp_path / "x.md", tmp_path / "y.csv", tmp_path / "missing"])
    assert [d.doc_id for d in docs] == ["x.md"]
    assert [s.reason.split(" (")[0] for s in skipped] == [
        "unsupported file type",
        "no such file or folder",
    ]


def test_large_file_streams_in_blocks_cut_at_line_ends(tmp_path):
    lines = [f"Line {i} of a long file with some words é." for i in range(3000)]
    path = tmp_path / "big.txt.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(lines))
    (doc,), _ = _docs([path], block_chars=4096)
    blocks = list(doc.blocks())
    assert len(blocks) > 20
    assert all(len(b) <= 4096 for b in blocks)
    assert all(b.endswith("\n") for b in blocks[:-1])
    assert "".join(blocks) == "\n".join(lines)


def test_hash_changes_with_content_only(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("one")
    (first,), _ = _docs([path])
    (again,), _ = _docs([path])
    path.write_text("two")
    (changed,), _ = _docs([path])
    assert first.doc_hash == again.doc_hash != changed.doc_hash


def test_bom_and_crlf_are_read_away_in_every_format(tmp_path):
    bom = b"\xef\xbb\xbf"
    (tmp_path / "a.txt").write_bytes(bom + b"Alpha text.\r\nSecond line.\r\n")
    records = b'{"id": "r1", "text": "One."}\r\n{"id": "r2", "text": "Two.\\r\\nThree."}\r\n'
    (tmp_path / "b.jsonl").write_bytes(bom + records)
    docs, skipped = _docs([tmp_path])
    assert skipped == []
    texts = {d.doc_id: "".join(d.blocks()) for d in docs}
    assert texts == {"a.txt": "Alpha text.\nSecond line.\n", "r1": "One.", "r2": "Two.\nThree."}


def test_plain_files_keep_the_hash_of_their_bytes(tmp_path):
    import hashlib

    path = tmp_path / "a.txt"
    path.write_bytes("Plain UTF-8, é, with \\n line ends.\n".encode())
    (doc,), _ = _docs([path])
    assert doc.doc_hash == hashlib.sha256(path.read_bytes()).hexdigest()[:32]
