"""How names map to models, and the errors for names that cannot load (no model is loaded)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hyperword.exceptions import (
    CacheError,
    MissingPackageError,
    ModelNotFoundError,
    UnknownModelError,
)
from hyperword.models import MODEL_ALIASES, ModelAlias, ModelCache, load_base_model
from hyperword.models.aliases import register_alias
from hyperword.models.loading import resolve_model_folder


def test_both_shipped_aliases_are_registered():
    assert {"gemma-3-270m", "smollm2-135m"} <= set(MODEL_ALIASES)


def test_unknown_alias_names_the_known_ones(tmp_path):
    with pytest.raises(UnknownModelError, match=r"unknown model 'gemma-9b'.*gemma-3-270m"):
        load_base_model("gemma-9b", cache_dir=tmp_path)


def test_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(ModelNotFoundError, match="no model at"):
        load_base_model(str(tmp_path / "absent.gguf"), cache_dir=tmp_path)


def test_folder_without_config_or_gguf_is_rejected(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ModelNotFoundError, match=r"no config\.json and 0 \.gguf"):
        resolve_model_folder(str(empty), ModelCache(tmp_path / "cache"))


def test_hf_folder_and_hub_id_pass_through(tmp_path):
    folder = tmp_path / "hf"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    cache = ModelCache(tmp_path / "cache")
    assert resolve_model_folder(str(folder), cache) == (str(folder), None)
    assert resolve_model_folder("org/some-model", cache) == ("org/some-model", None)


def test_alias_whose_package_is_missing_says_what_to_install(tmp_path, monkeypatch):
    alias = ModelAlias(
        name="ghost-1m",
        package="ghost-weights",
        module="ghost_weights_not_installed",
        description="test only",
        locate=lambda workdir: Path("/nonexistent.gguf"),
        install_hint="pip install ghost-weights",
    )
    monkeypatch.setitem(MODEL_ALIASES, alias.name, alias)
    with pytest.raises(MissingPackageError, match="pip install ghost-weights"):
        load_base_model("ghost-1m", cache_dir=tmp_path)


def test_registering_an_alias_twice_raises():
    with pytest.raises(ValueError, match="already registered"):
        register_alias(MODEL_ALIASES["gemma-3-270m"])


def test_cache_path_that_is_a_file_is_rejected(tmp_path):
    file = tmp_path / "cache"
    file.write_text("not a folder")
    with pytest.raises(CacheError, match="is a file"):
        ModelCache(file)


def test_file_hash_is_computed_once_per_file_version(tmp_path, monkeypatch):
    cache = ModelCache(tmp_path / "cache")
    source = tmp_path / "weights.gguf"
    source.write_bytes(b"abc")
    first = cache.file_sha256(source)
    assert first == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    monkeypatch.setattr("hashlib.sha256", lambda: pytest.fail("hashed twice"))
    assert cache.file_sha256(source) == first


def test_entry_without_manifest_or_with_wrong_sizes_is_invalid(tmp_path):
    import json

    cache = ModelCache(tmp_path)
    entry = tmp_path / "entry"
    entry.mkdir()
    (entry / "model.safetensors").write_bytes(b"x" * 10)
    assert not cache.is_valid(entry)
    manifest = {"files": {"model.safetensors": 10}}
    (entry / "hyperword-cache.json").write_text(json.dumps(manifest))
    assert cache.is_valid(entry)
    (entry / "model.safetensors").write_bytes(b"x" * 4)  # truncated
    assert not cache.is_valid(entry)
