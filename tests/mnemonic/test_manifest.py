"""`store.json` is validated when a store opens: a mistyped field is one clear error."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from hyperword.cli import cli
from mnemonic import MnemonicStore, StoreError
from tests.mnemonic.conftest import SMALL_CHUNKS, make_documents
from tests.mnemonic.test_cli import offline_models  # noqa: F401 - a fixture

BAD_FIELDS = [
    ("embedding_dim", "384", "embedding_dim' must be an integer"),
    ("embedding_dim", 0, "embedding_dim' must be an integer >= 1"),
    ("embedding_dim", True, "embedding_dim' must be an integer"),
    ("format_version", "1", "format_version' must be an integer"),
    ("embedder_id", 7, "embedder_id' must be a string"),
    ("base_model", "", "base_model' must be a non-empty string"),
    ("chunking", {"chunk_tokens": "48", "overlap_tokens": 8}, "chunking' is invalid"),
    ("chunking", [48], "chunking' must be an object"),
    ("encoders", {"scene": "v1"}, "encoders.scene' must be an object"),
    ("created_at", "yesterday", "created_at' must be a finite number"),
]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory, embedder, tokenizer):
    folder = tmp_path_factory.mktemp("manifest") / "store"
    options = {"embedder": embedder, "tokenizer": tokenizer, "chunking": SMALL_CHUNKS}
    with MnemonicStore(folder, **options) as store:
        store.add_documents(make_documents(2))
    return folder


@pytest.fixture
def stored(pristine, tmp_path):
    shutil.copytree(pristine, tmp_path / "store")
    path = tmp_path / "store" / "store.json"
    return path, json.loads(path.read_text())


@pytest.mark.parametrize(("field", "value", "message"), BAD_FIELDS)
def test_a_mistyped_field_is_one_clear_error(stored, make_store, field, value, message):
    path, data = stored
    path.write_text(json.dumps({**data, field: value}))
    with pytest.raises(StoreError, match=message) as error:
        make_store()
    assert "store.json is invalid" in str(error.value) and "\n" not in str(error.value)


def test_a_wrong_dimension_is_refused_before_any_write(stored, make_store):
    path, data = stored
    path.write_text(json.dumps({**data, "embedding_dim": 385}))
    with pytest.raises(StoreError, match="embedding_dim 385 but the chunks table holds 384"):
        make_store(embedder=None)


def test_the_cli_reports_a_bad_manifest_in_one_line(stored, tmp_path, offline_models):  # noqa: F811
    path, data = stored
    (tmp_path / "a.txt").write_text("Some text about lanterns.")
    runner = CliRunner()
    for field, value in (("embedding_dim", "384"), ("embedding_dim", 385)):
        path.write_text(json.dumps({**data, field: value}))
        for args in (
            ["ingest", str(tmp_path / "a.txt"), "--store", str(path.parent), "--no-progress"],
            ["search", "lanterns", "--store", str(path.parent)],
        ):
            result = runner.invoke(cli, args)
            assert result.exit_code == 1, result.output
            assert result.output.strip().splitlines() == [result.output.strip()]
            assert result.output.startswith("Error: ") and "embedding_dim" in result.output
