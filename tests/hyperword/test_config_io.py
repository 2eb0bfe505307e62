"""`hyperword.config_io`: the one save/load path of every config file."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from hyperword import __version__
from hyperword.config_io import config_from_dict, load_config, save_config


@dataclass
class Settings:
    name: str
    size: int = 4
    tags: list[str] = field(default_factory=list)


def test_round_trip_records_the_version(tmp_path):
    path = save_config(Settings("a", 8, ["x"]), tmp_path / "config.json")
    data = json.loads(path.read_text())
    assert data == {"hyperword_version": __version__, "name": "a", "size": 8, "tags": ["x"]}
    assert path.read_text().endswith("\n") and list(data) == sorted(data)
    assert load_config(Settings, path, error=OSError) == Settings("a", 8, ["x"])
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_unknown_keys_are_dropped_with_a_warning(caplog):
    settings = config_from_dict(Settings, {"name": "a", "colour": "red"}, source="here")
    assert settings == Settings("a")
    assert "colour" in caplog.text and "here" in caplog.text


def test_unreadable_or_incomplete_files_raise_the_callers_error(tmp_path):
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ValueError, match="cannot read settings"):
        load_config(Settings, tmp_path / "bad.json", error=ValueError, what="settings")
    (tmp_path / "list.json").write_text("[1]")
    with pytest.raises(ValueError, match="not a JSON object"):
        load_config(Settings, tmp_path / "list.json", error=ValueError)
    (tmp_path / "partial.json").write_text("{}")
    with pytest.raises(ValueError, match="incomplete"):
        load_config(Settings, tmp_path / "partial.json", error=ValueError)
