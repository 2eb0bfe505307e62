"""A missing framework is one clear error naming the extra that installs it."""

from __future__ import annotations

import pytest

from hyperword.exceptions import MissingPackageError
from hyperword.integrations import require


def test_a_missing_framework_names_its_extra():
    with pytest.raises(MissingPackageError, match=r"pip install 'hyperword\[langchain\]'"):
        require("langchain_core_not_installed.sub", "langchain")
    assert require("json", "unused").__name__ == "json"
