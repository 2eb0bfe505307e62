"""Every CLI command that reads a file, against every kind of file a user brings.

Commands: `ingest`, `tokenizer train`, `tokenizer stats`, `eval --data`, `train --config`,
`vram --model CONFIG`. Files: empty, binary, latin-1, UTF-16 with a BOM, UTF-8 with a BOM,
CRLF line ends, and 50 MB on one line. An unusable file is one `Error:` line and exit 1
(never a traceback); a usable one is read under the one reading rule (BOM dropped, `\\r\\n`
read as `\\n`).

The 50 MB line is mostly spaces, so that tokenizing it is cheap with the word-level tokenizer
used here: what it tests is reading a huge line (streamed in bounded blocks), not tokenizer
speed.
"""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import hyperword.models
from hyperword.cli import cli
from tests.conftest import build_tiny_model, build_tiny_tokenizer

WORDS = [
    "alpha",
    "bravo",
    "charlie",
    "delta",
    "echo",
    "foxtrot",
    "golf",
    "hotel",
    "india",
    "juliet",
    "café",
]
KINDS = ["empty", "binary", "latin-1", "utf-16", "bom", "crlf", "huge"]
USABLE = {"bom", "crlf", "huge"}
HUGE_BYTES = 50_000_000


def word_tokenizer():
    """A fast word-level tokenizer (whitespace split; unknown words -> <unk>)."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {w: i for i, w in enumerate(["<pad>", "<bos>", "<eos>", "<unk>", *WORDS])}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, bos_token="<bos>", eos_token="<eos>", unk_token="<unk>"
    )
    wrapped.pad_token = "<pad>"
    wrapped.name_or_path = "word-level"
    return wrapped


class HashEmbedder:
    """A deterministic stand-in for the retrieval embedder: a vector from each text's hash."""

    hyperword_id = "hash-embedder"

    def get_sentence_embedding_dimension(self) -> int:
        return 16

    def encode(self, texts, **_):
        rows = [np.random.default_rng(abs(hash(t)) % 2**32).normal(size=16) for t in texts]
        vectors = np.array(rows, dtype=np.float32).reshape(len(texts), 16)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """The word-level base tokenizer, a hyperword tokenizer over it, and a tiny model."""
    from hyperword.tokenizer import HyperwordTokenizer

    root = tmp_path_factory.mktemp("inputs")
    base = word_tokenizer()
    base.save_pretrained(root / "base")
    text = " ".join(WORDS * 20) + "\n"
    HyperwordTokenizer.train([text] * 3, base, num_hyperwords=8).save_pretrained(root / "hw")
    tiny = build_tiny_tokenizer()
    build_tiny_model(len(tiny)).save_pretrained(root / "model")
    tiny.save_pretrained(root / "model")
    return root


@pytest.fixture
def offline(monkeypatch):
    monkeypatch.setattr(hyperword.models, "load_tokenizer", lambda name: word_tokenizer())
    monkeypatch.setattr(hyperword.models, "load_embedder", lambda name=None, **_: HashEmbedder())


def text_for(command: str) -> str:
    """A usable file's text for `command` (lines end in \\n)."""
    if command == "eval":
        record = {"question": "Who?", "answers": ["alpha"], "ctxs": [{"title": "t", "text": "x"}]}
        return json.dumps(record) + "\n" + json.dumps({**record, "question": "What?"}) + "\n"
    if command == "train":
        return '{\n  "output_dir": "out"\n}\n'  # read, then refused: it names no training data
    if command == "vram":
        return Path("eval/vram/configs/gemma-3-270m.json").read_text()
    return "alpha bravo café.\ncharlie delta echo.\nfoxtrot golf.\n"


def huge_for(command: str) -> bytes:
    """50 MB on one line."""
    if command in ("eval", "train", "vram"):
        return b'{"question": "' + b" " * HUGE_BYTES  # never closed: invalid JSON
    return b"alpha bravo " + b" " * HUGE_BYTES + b"charlie delta."


def write_case(folder: Path, command: str, kind: str) -> Path:
    suffix = {"eval": ".jsonl", "train": ".json", "vram": ".json"}.get(command, ".txt")
    path = folder / f"{kind}{suffix}"
    text = text_for(command)
    data = {
        "empty": b"",
        "binary": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        "latin-1": text.encode("latin-1", "replace") + "café\n".encode("latin-1"),
        "utf-16": text.encode("utf-16"),
        "bom": codecs.BOM_UTF8 + text.encode(),
        "crlf": text.replace("\n", "\r\n").encode(),
    }
    path.write_bytes(huge_for(command) if kind == "huge" else data[kind])
    return path


def command_line(command: str, path: Path, root: Path, work: Path) -> list[str]:
    if command == "ingest":
        store = ["--store", str(work / "store"), "--no-progress", "--chunk-tokens", "64"]
        return ["ingest", str(path), *store]
    if command == "tokenizer-train":
        options = ["--base", str(root / "base"), "--vocab-size", "4", "--out", str(work / "hw")]
        return ["tokenizer", "train", str(path), *options]
    if command == "tokenizer-stats":
        return ["tokenizer", "stats", "--tokenizer", str(root / "hw"), str(path), "--json"]
    if command == "eval":
        model = ["--model", str(root / "model"), "--limit", "1", "--out", str(work / "out")]
        return ["eval", "--task", "nq", "--data", str(path), "--methods", "closed-book", *model]
    if command == "train":
        return ["train", "--config", str(path)]
    return ["vram", "--model", str(path), "--context-tokens", "1024"]


COMMANDS = ["ingest", "tokenizer-train", "tokenizer-stats", "eval", "train", "vram"]
CASES = [
    pytest.param(c, k, id=f"{c}-{k}", marks=[pytest.mark.slow] if k == "huge" else [])
    for c in COMMANDS
    for k in KINDS
]


@pytest.mark.parametrize(("command", "kind"), CASES)
def test_every_command_reads_every_kind_of_file(command, kind, folders, offline, tmp_path):
    path = write_case(tmp_path, command.split("-")[0], kind)
    result = CliRunner().invoke(cli, command_line(command, path, folders, tmp_path))
    output = result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{result.exception!r}\n{output}"
    )
    usable = kind in USABLE and not (kind == "huge" and command in ("eval", "train", "vram"))
    if command == "train":  # a usable config is read, then refused by its own check
        assert result.exit_code == 1, output
        assert output.strip().splitlines()[-1].startswith("Error: "), output
        assert ("training data" in output) == usable, output
        return
    if usable:
        assert result.exit_code == 0, output
    else:
        assert result.exit_code == 1, output
        assert output.strip().splitlines()[-1].startswith("Error: "), output
    if kind == "latin-1" and command in ("ingest", "tokenizer-train", "tokenizer-stats"):
        assert "not valid UTF-8 (byte offset" in output


@pytest.mark.parametrize("kind", ["bom", "crlf"])
def test_ingested_text_has_no_bom_and_no_carriage_returns(kind, folders, offline, tmp_path):
    path = write_case(tmp_path, "ingest", kind)
    runner = CliRunner()
    result = runner.invoke(cli, command_line("ingest", path, folders, tmp_path))
    assert result.exit_code == 0, result.output
    store = str(tmp_path / "store")
    found = runner.invoke(cli, ["search", "alpha", "--store", store, "--json", "-k", "5"])
    texts = [hit["text"] for hit in json.loads(found.output)]
    assert texts and texts[0].startswith("alpha bravo café.")
    assert not any("\ufeff" in t or "\r" in t for t in texts)


def test_crlf_counts_match_between_tokenizer_stats_and_ingest(monkeypatch, tmp_path):
    """Stats and ingest read a CRLF file by one rule: the same base tokens (byte-level BPE,
    where a \\r is a token of its own)."""
    from hyperword.tokenizer import HyperwordTokenizer
    from mnemonic import MnemonicStore

    tiny = build_tiny_tokenizer()
    monkeypatch.setattr(hyperword.models, "load_tokenizer", lambda name: tiny)
    monkeypatch.setattr(hyperword.models, "load_embedder", lambda name=None, **_: HashEmbedder())
    HyperwordTokenizer.train(["the river\n"] * 3, tiny, num_hyperwords=4).save_pretrained(
        tmp_path / "hw"
    )
    text = "The Glass Bridge crosses the river.\nIt opened in 1911.\n\n" * 20 + "The end."
    crlf = tmp_path / "crlf.txt"
    crlf.write_bytes(text.replace("\n", "\r\n").encode())
    runner = CliRunner()
    hw = str(tmp_path / "hw")
    stats = runner.invoke(cli, ["tokenizer", "stats", "--tokenizer", hw, str(crlf), "--json"])
    assert stats.exit_code == 0, stats.output
    (row,) = json.loads(stats.output)
    store = tmp_path / "store"
    ingest = ["ingest", str(crlf), "--store", str(store), "--no-progress"]
    result = runner.invoke(cli, [*ingest, "--chunk-tokens", "16", "--overlap-tokens", "0"])
    assert result.exit_code == 0, result.output
    with MnemonicStore(store, embedder=HashEmbedder(), create=False) as opened:
        rows = opened._chunks.search().select(["text", "text_tokens"]).limit(None).to_arrow()
    expected = len(tiny(text, add_special_tokens=False).input_ids)
    assert sum(rows["text_tokens"].to_pylist()) == row["base_tokens"] == expected
    assert not any("\r" in text for text in rows["text"].to_pylist())


def test_folder_with_bad_names_links_and_records_ingests_the_rest(folders, offline, tmp_path):
    import gzip
    import os

    corpus, outside = tmp_path / "corpus", tmp_path / "outside"
    corpus.mkdir()
    outside.mkdir()
    (corpus / "good.txt").write_text("alpha bravo.")
    (outside / "secret.txt").write_text("delta echo.")
    (corpus / "link.txt").symlink_to(outside / "secret.txt")
    os.mkdir(os.fsencode(corpus) + b"/bad-\xff-dir")
    with open(os.fsencode(corpus) + b"/bad-\xff-dir/x.txt", "wb") as handle:
        handle.write(b"golf.")
    with open(os.fsencode(corpus) + b"/bad-\xff.txt", "wb") as handle:
        handle.write(b"charlie.")
    records = [
        '{"id": "ok", "text": "hotel india."}',
        '{"id": "s", "text": "\\ud800 alpha"}',  # a lone surrogate
        "[" * 100_000 + "]" * 100_000,  # nested too deeply
        '{"id": "m", "text": "alpha", "metadata": {"k": "\\udc80"}}',
    ]
    (corpus / "records.jsonl").write_text("\n".join(records) + "\n")
    packed = gzip.compress(" ".join(str(i) for i in range(5000)).encode())
    truncated = packed[: len(packed) // 2]
    (corpus / "cut.txt.gz").write_bytes(truncated)
    store = tmp_path / "store"
    runner = CliRunner()
    result = runner.invoke(cli, ["ingest", str(corpus), "--store", str(store), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "from 2 documents" in result.output  # good.txt and the record "ok"
    for reason in ("not valid UTF-8", "lone surrogate", "nested too deeply", "truncated gzip"):
        assert reason in result.output, reason
    assert "outside the folder" in result.output
    found = runner.invoke(cli, ["search", "delta", "--store", str(store), "--json", "-k", "9"])
    assert found.exit_code == 0, found.output
    ids = {hit["doc_id"] for hit in json.loads(found.output)}
    assert ids == {"good.txt", "ok"}  # the link outside was not followed
    followed = runner.invoke(
        cli,
        ["ingest", str(corpus), "--store", str(store), "--no-progress", "--follow-symlinks"],
    )
    assert followed.exit_code == 0 and "from 1 documents" in followed.output  # link.txt


def test_a_huge_single_line_streams_in_bounded_blocks(tmp_path):
    from mnemonic.readers import iter_path_documents

    path = tmp_path / "huge.txt"
    path.write_bytes(b"alpha " * (HUGE_BYTES // 6))
    skipped = []
    (doc,) = iter_path_documents([path], block_chars=262_144, skipped=skipped)
    sizes = [len(block) for block in doc.blocks()]
    assert max(sizes) <= 262_144 and sum(sizes) == path.stat().st_size
