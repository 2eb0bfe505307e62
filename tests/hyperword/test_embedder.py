from __future__ import annotations

import pytest

from hyperword.exceptions import ModelNotFoundError
from hyperword.models import load_embedder


@pytest.fixture(scope="module")
def embedder():
    return load_embedder(device="cpu")


def test_default_embedder_is_offline_minilm(embedder):
    assert embedder.hyperword_id == "all-minilm-l6-v2"
    vectors = embedder.encode(
        ["a glass bridge", "a bridge made of glass", "salted plums"], normalize_embeddings=True
    )
    assert vectors.shape == (3, 384)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_missing_embedder_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ModelNotFoundError, match="could not load embedder"):
        load_embedder(tmp_path / "absent", device="cpu")
