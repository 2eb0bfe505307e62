from __future__ import annotations

import pytest
import torch

from hyperword.devices import default_device, default_dtype, resolve_dtype


def test_defaults_follow_the_device():
    assert default_dtype("cpu") == torch.float32
    assert default_dtype("cuda") == torch.bfloat16
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert default_device().type == expected


def test_resolve_dtype_accepts_names_and_rejects_unknown():
    assert resolve_dtype("bf16", "cpu") == torch.bfloat16
    assert resolve_dtype(torch.float16, "cpu") == torch.float16
    assert resolve_dtype(None, "cpu") == torch.float32
    with pytest.raises(ValueError, match="unknown dtype 'int3'"):
        resolve_dtype("int3", "cpu")
