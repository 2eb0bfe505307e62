"""Fixtures for the memory store: the real default embedder once, a tiny tokenizer."""

from __future__ import annotations

import pytest

from mnemonic import ChunkingConfig, Document, MnemonicStore
from tests.conftest import build_tiny_tokenizer


def tiny_tokenizer_named():
    tokenizer = build_tiny_tokenizer()
    tokenizer.name_or_path = "tiny-bpe"
    return tokenizer


def make_documents(n: int, *, sentences: int = 6, prefix: str = "doc") -> list[Document]:
    """Documents about distinct invented topics, a few chunks each with small chunks."""
    topics = ["glass bridges", "tea leaves", "beetles", "lanterns", "observatories", "rivers"]
    return [
        Document(
            doc_id=f"{prefix}{i}",
            text=" ".join(
                f"Note {j} of record {i} is about {topics[i % len(topics)]} in town {i}."
                for j in range(sentences)
            ),
            metadata={"n": i},
        )
        for i in range(n)
    ]


SMALL_CHUNKS = ChunkingConfig(chunk_tokens=48, overlap_tokens=8)


@pytest.fixture(scope="session")
def embedder():
    from hyperword.models import load_embedder

    return load_embedder(device="cpu")


@pytest.fixture(scope="session")
def tokenizer():
    return tiny_tokenizer_named()


@pytest.fixture
def make_store(tmp_path, embedder, tokenizer):
    """Open (or create) a store under tmp_path with the shared embedder and tiny tokenizer."""

    def make(name: str = "store", **options) -> MnemonicStore:
        options.setdefault("chunking", SMALL_CHUNKS)
        options.setdefault("embedder", embedder)
        options.setdefault("tokenizer", tokenizer)
        return MnemonicStore(tmp_path / name, **options)

    return make
