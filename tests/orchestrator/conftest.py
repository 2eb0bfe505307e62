"""Fixtures for the orchestrator: a tiny deterministic soft-token encoder, a real store."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pytest
import torch

from mnemonic import ChunkingConfig, MnemonicStore
from tests.conftest import build_tiny_model, build_tiny_tokenizer

LEVEL_RATIOS = {"scene": 8, "concept": 64}
# policy options that step the best chunk down to a denser level rather than cut it
STEPPED = {"excerpt_min": None}

FACTS = {
    "bridge": "The Velloran Glass Bridge crosses the Quell River in the town of Brask. "
    "It was designed by Marisol Dutrane and opened in 1911.",
    "tea": "Zephyrine tea is brewed from the dried leaves of the kopa shrub. "
    "It is always served with salted plums.",
    "festival": "The Orvik Lantern Festival is held in the harbour city of Tallimar "
    "every March. Boats carry ten thousand lanterns.",
    "beetle": "The saltbloom beetle lives on the salt flats of Ennor. "
    "Its shell turns pink in the dry season.",
    "observatory": "The Marrowfen Observatory stands on a hill above the marsh. "
    "Its telescope was ground by Ilse Varga.",
    "language": "Quibbit is a programming language created by Tomasz Vell. "
    "Every Quibbit program ends with the word done.",
}


class TinyEncoder:
    """Satisfies `SoftTokenEncoder` with no training: the mean of each group of token rows.

    Deterministic: span `s` at `level` gives `ceil(tokens / ratio)` rows, each the mean of
    its group of input-embedding rows; `wrap` adds fixed begin/end rows per level.
    """

    id = "tiny-encoder"
    version = "1"
    levels = tuple(LEVEL_RATIOS)  # the soft levels it serves

    def __init__(self, model, tokenizer):
        self._model, self._tokenizer = model, tokenizer
        d = model.config.hidden_size
        generator = torch.Generator().manual_seed(0)
        self.markers = {
            level: torch.randn(2, d, generator=generator) for level in LEVEL_RATIOS
        }  # (2, d): begin, end
        self.calls = 0

    @property
    def model(self):
        return self._model

    @property
    def tokenizer(self):
        return self._tokenizer

    def encode(
        self, spans: Sequence[str], *, level: str, n_slots: int | None = None
    ) -> torch.Tensor:
        self.calls += 1
        ids = [self._tokenizer(s, add_special_tokens=False).input_ids or [0] for s in spans]
        if n_slots is None:
            n_slots = max(1, math.ceil(max(len(i) for i in ids) / LEVEL_RATIOS[level]))
        layer = self._model.get_input_embeddings()
        out = []
        with torch.no_grad():
            for span_ids in ids:
                rows = layer(torch.tensor(span_ids))  # (n, d)
                groups = torch.tensor_split(rows, n_slots) if len(rows) >= n_slots else [rows]
                means = [g.mean(dim=0) for g in groups]
                means += [means[-1]] * (n_slots - len(means))
                out.append(torch.stack(means))  # (n_slots, d)
        return torch.stack(out)  # (n_spans, n_slots, d)

    def wrap(self, soft: torch.Tensor, *, level: str) -> torch.Tensor:
        begin, end = self.markers[level].to(soft.dtype)
        return torch.cat([begin[None], soft, end[None]])  # (n_slots + 2, d)


@pytest.fixture(scope="session")
def embedder():
    from hyperword.models import load_embedder

    return load_embedder(device="cpu")


@pytest.fixture(scope="session")
def base_tokenizer():
    return build_tiny_tokenizer()


@pytest.fixture
def model(base_tokenizer):
    return build_tiny_model(len(base_tokenizer))


@pytest.fixture
def encoder(model, base_tokenizer):
    return TinyEncoder(model, base_tokenizer)


@pytest.fixture
def hyperword_tokenizer(base_tokenizer):
    from hyperword.tokenizer import HyperwordTokenizer

    return HyperwordTokenizer.train(list(FACTS.values()) * 3, base_tokenizer, num_hyperwords=64)


SMALL_CHUNKS = ChunkingConfig(chunk_tokens=48, overlap_tokens=8)


@pytest.fixture
def store(tmp_path, embedder, base_tokenizer):
    """A real on-disk store holding the invented facts (chunks of 48 tiny-tokenizer tokens)."""
    store = MnemonicStore(
        tmp_path / "store", embedder=embedder, tokenizer=base_tokenizer, chunking=SMALL_CHUNKS
    )
    store.add_documents([{"doc_id": k, "text": v} for k, v in FACTS.items()])
    yield store
    store.close()


@pytest.fixture
def orchestrator(store, model, base_tokenizer, encoder, hyperword_tokenizer):
    """Our model with every level: text, hyperword ids and the tiny encoder's soft tokens."""
    from orchestrator import AskOptions, Orchestrator

    return Orchestrator(
        store,
        model=model,
        base_tokenizer=base_tokenizer,
        encoder=encoder,
        tokenizer=hyperword_tokenizer,
        options=AskOptions(max_new_tokens=4),
    )


@pytest.fixture(scope="session")
def model_folder(tmp_path_factory, base_tokenizer):
    """The tiny model and tokenizer saved as a local HF folder (`load_base_model` reads it)."""
    folder = tmp_path_factory.mktemp("tiny-model")
    build_tiny_model(len(base_tokenizer)).save_pretrained(folder)
    base_tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def folder_store(tmp_path_factory, model_folder, embedder):
    """A store of the facts whose base model is `model_folder` (so a server can reopen it)."""
    from hyperword.models import load_tokenizer

    path = tmp_path_factory.mktemp("served") / "facts"
    tokenizer = load_tokenizer(str(model_folder))
    with MnemonicStore(path, embedder=embedder, tokenizer=tokenizer, chunking=SMALL_CHUNKS) as s:
        s.add_documents([{"doc_id": k, "text": v} for k, v in FACTS.items()])
    return path
