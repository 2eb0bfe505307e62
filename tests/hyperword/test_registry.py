"""`Registry`: one table per extension point, one error for an unknown name."""

from __future__ import annotations

import pytest

from hyperword.exceptions import HyperwordError, UnknownNameError
from hyperword.registry import Registry


def test_add_get_and_list():
    registry: Registry[int] = Registry("widget")
    registry.add("b", 2)
    registry.add("a", 1)
    assert registry["a"] == 1 and "b" in registry and "c" not in registry
    assert list(registry) == ["b", "a"]  # insertion order
    assert registry.names() == ["a", "b"]  # sorted, for messages
    assert registry.get("c") is None and len(registry) == 2


def test_unknown_name_is_one_error_that_lists_the_names():
    registry: Registry[int] = Registry("widget")
    registry.add("a", 1)
    with pytest.raises(UnknownNameError, match="unknown widget 'zz'; choose one of a") as info:
        registry["zz"]
    assert isinstance(info.value, KeyError | ValueError | HyperwordError)
    assert str(info.value).startswith("unknown widget")  # no KeyError quoting


def test_duplicate_names_raise_and_decorator_sets_the_name():
    registry: Registry[type] = Registry("widget")

    @registry.register("w", named=True)
    class Widget:
        name = ""

    assert registry["w"] is Widget and Widget.name == "w"
    with pytest.raises(ValueError, match="widget 'w' is already registered"):
        registry.add("w", int)


def _lookups():
    from eval.methods import get_method
    from eval.tasks import get_task
    from hyperword.prompts import get_template
    from hyperword.tokenizer.training import get_trainer
    from mnemonic import IndexConfig, create_chunk_encoder
    from orchestrator import create_policy

    return [
        create_policy,
        get_method,
        get_task,
        get_template,
        get_trainer,
        create_chunk_encoder,
        lambda name: IndexConfig(kind=name),
    ]


@pytest.mark.parametrize("index", range(7))
def test_every_registry_fails_the_same_way(index):
    with pytest.raises(UnknownNameError, match=r"unknown .*'nope'; choose one of"):
        _lookups()[index]("nope")
