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


@dataclass
class Checked:
    share: float = 0.5
    steps: int = 1
    label: str | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.share <= 1:
            raise ValueError("share must be in [0, 1]")
        if self.steps < 1:
            raise ValueError("steps must be positive")


def test_a_mistyped_value_is_named_before_the_config_is_built():
    # Once "here is incomplete: '<=' not supported between instances of 'int' and 'str'".
    share = r"^here is invalid: 'share' must be a finite number, got '0.5'$"
    with pytest.raises(ValueError, match=share):
        config_from_dict(Checked, {"share": "0.5"}, source="here", error=ValueError)
    with pytest.raises(TypeError, match=r"^here is invalid: 'steps' must be an integer, got '3'$"):
        config_from_dict(Checked, {"steps": "3"}, source="here")  # no error type: TypeError
    # A field no check reads was once taken as it came and failed later, far from the file.
    label = r"^here is invalid: 'label' must be a string or null, got 7$"
    with pytest.raises(ValueError, match=label):
        config_from_dict(Checked, {"label": 7}, source="here", error=ValueError)
    with pytest.raises(ValueError, match=r"'steps' must be an integer, got 2\.0"):
        config_from_dict(Checked, {"steps": 2.0}, source="here", error=ValueError)
    with pytest.raises(ValueError, match="'share' must be a finite number, got nan"):
        config_from_dict(Checked, {"share": float("nan")}, source="here", error=ValueError)
    loaded = config_from_dict(Checked, {"share": 1, "label": None}, source="here")
    assert loaded == Checked(share=1, label=None)  # an int is a float; None where allowed
    with pytest.raises(ValueError, match="here is incomplete"):
        config_from_dict(Settings, {"size": 3}, source="here", error=ValueError)  # no name
