"""Loading what an orchestrator reads with: the store, the model, and the optional parts.

`load_parts` is the factory `Orchestrator` calls: a store folder is opened, a model name is
loaded, and the soft-token encoder and the hyperword tokenizer are resolved from objects,
folders, `None` (level off) or `"auto"` (the default, if any).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hyperword.exceptions import HyperwordError
from hyperword.models import DEFAULT_MODEL
from hyperword.prompts import PromptTemplate, get_template, template_for_model
from orchestrator.exceptions import OrchestratorError

__all__ = [
    "AUTO",
    "TOKENIZER_ENV",
    "LoadedParts",
    "load_parts",
    "optional_part",
    "reader_template",
    "resolve_encoder",
    "resolve_hyperword_tokenizer",
]

logger = logging.getLogger(__name__)

AUTO = "auto"
TOKENIZER_ENV = "HYPERWORD_TOKENIZER"  # folder of the default hyperword tokenizer
_ENCODER_ATTRS = ("id", "version", "model", "tokenizer", "encode", "wrap")
_logged: set[str] = set()


@dataclass(frozen=True)
class LoadedParts:
    """A store, the model that reads the context, and the optional parts, all loaded."""

    store: Any
    model: Any
    base_tokenizer: Any
    encoder: Any = None
    hyperword_tokenizer: Any = None


def load_parts(
    store: Any,
    *,
    model: Any = None,
    base_tokenizer: Any = None,
    encoder: Any = None,
    tokenizer: Any = None,
    device: str | None = None,
) -> LoadedParts:
    """Open, load and resolve what `Orchestrator` takes (see its arguments).

    Raises:
        OrchestratorError: A loaded model without its tokenizer, or a hyperword tokenizer
            over another base vocabulary than the model's.
    """
    if isinstance(store, (str, Path)):
        from mnemonic import MnemonicStore

        store = MnemonicStore(store, create=False)
    if model is None:
        has_decoder = encoder is not None and not isinstance(encoder, (str, Path))
        model = encoder.model if has_decoder else DEFAULT_MODEL
    if isinstance(model, (str, Path)):
        from hyperword.models import load_base_model

        model, base_tokenizer = load_base_model(model, device=device)
    if base_tokenizer is None:
        base_tokenizer = getattr(encoder, "tokenizer", None) or getattr(
            tokenizer, "base_tokenizer", None
        )
    if base_tokenizer is None:
        raise OrchestratorError("pass base_tokenizer with a loaded model")
    encoder = resolve_encoder(encoder, model=model, tokenizer=base_tokenizer)
    hyperwords = resolve_hyperword_tokenizer(
        tokenizer,
        base_tokenizer=base_tokenizer,
        base_name=str(getattr(model, "name_or_path", "") or ""),
    )
    if hyperwords is not None and hyperwords.base_vocab_size != len(base_tokenizer):
        raise OrchestratorError(
            f"the hyperword tokenizer extends a base vocabulary of {hyperwords.base_vocab_size} "
            f"ids, the model's tokenizer has {len(base_tokenizer)}"
        )
    return LoadedParts(store, model, base_tokenizer, encoder, hyperwords)


def reader_template(encoder: Any, model: Any) -> PromptTemplate:
    """The prompt the reader answers with: an encoder's decoder reads best with the template
    it was trained with; a plain model gets the one measured best for it."""
    trained = getattr(getattr(encoder, "config", None), "template", None)
    if isinstance(trained, str) and trained:
        return get_template(trained)
    return template_for_model(getattr(model, "name_or_path", None))


def optional_part(value: Any) -> Any:
    """`"none"` (any case) -> None, the level off; `auto`, folders and objects pass through."""
    return None if isinstance(value, str) and value.lower() == "none" else value


def _log_once(message: str) -> None:
    if message not in _logged:
        _logged.add(message)
        logger.info(message)


def resolve_encoder(spec: Any, *, model: Any = None, tokenizer: Any = None) -> Any:
    """A `SoftTokenEncoder` or None.

    Args:
        spec: None (no scene/concept levels), `"auto"` (the trained default encoder when
            there is one, else None, logged once), a folder, or an encoder object.
        model: The base model to wrap (the encoder loads its own when None).
        tokenizer: Its tokenizer.

    Raises:
        HyperwordError: A folder that does not hold a usable encoder.
        TypeError: An object that lacks the protocol's attributes.
    """
    if spec is None:
        return None
    if isinstance(spec, (str, Path)):
        auto = str(spec) == AUTO
        try:
            from hyperword.encoder import HyperwordEncoder
        except ImportError as error:
            if not auto:
                raise
            _log_once(f"scene/concept levels off: the encoder is not importable ({error})")
            return None
        try:
            path = None if auto else spec
            tokenizer = tokenizer if model is not None else None
            return HyperwordEncoder.from_pretrained(path, model=model, tokenizer=tokenizer)
        except HyperwordError as error:
            if not auto:
                raise
            _log_once(f"scene/concept levels off: no usable default encoder ({error})")
            return None
    missing = [name for name in _ENCODER_ATTRS if not hasattr(spec, name)]
    if missing:
        raise TypeError(f"{spec!r} is not a SoftTokenEncoder: it lacks {', '.join(missing)}")
    return spec


def resolve_hyperword_tokenizer(
    spec: Any, *, base_tokenizer: Any = None, base_name: str | None = None
) -> Any:
    """A `HyperwordTokenizer` or None.

    Args:
        spec: None (no hyperword level), `"auto"` (the folder in `$HYPERWORD_TOKENIZER` when
            set, else the tokenizer shipped for `base_name` when there is one, else None,
            logged once), a folder written by `save_pretrained`, or a tokenizer object.
        base_tokenizer: The model's tokenizer; a folder is loaded against it (a tokenizer
            trained on another base raises `TokenizerMismatchError`).
        base_name: The base model's alias, to find a shipped tokenizer for `"auto"`.
    """
    if spec is None:
        return None
    if isinstance(spec, (str, Path)):
        if str(spec) == AUTO:
            return _default_hyperword_tokenizer(base_tokenizer, base_name)
        from hyperword.tokenizer import HyperwordTokenizer

        return HyperwordTokenizer.from_pretrained(spec, base_tokenizer=base_tokenizer)
    for name in ("encode_batch", "expand", "base_vocab_size", "embed"):
        if not hasattr(spec, name):
            raise TypeError(f"{spec!r} is not a HyperwordTokenizer: it lacks {name}")
    return spec


def _default_hyperword_tokenizer(base_tokenizer: Any, base_name: str | None) -> Any:
    from hyperword.tokenizer import HyperwordTokenizer

    folder = os.environ.get(TOKENIZER_ENV)
    if folder:
        return HyperwordTokenizer.from_pretrained(folder, base_tokenizer=base_tokenizer)
    try:
        from hyperword.tokenizer import default_tokenizer
    except ImportError:
        default_tokenizer = None
    if default_tokenizer is not None and base_name:
        try:
            return default_tokenizer(base_name, base_tokenizer=base_tokenizer)
        except HyperwordError as error:
            _log_once(f"hyperword level off: {error}")
            return None
    _log_once(
        f"hyperword level off: no hyperword tokenizer given (set ${TOKENIZER_ENV} "
        "or pass a folder from `hyperword tokenizer train`)"
    )
    return None
