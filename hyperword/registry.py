"""`Registry`: one named table of swappable parts, and one error for a name it lacks.

Every extension point of the toolkit is a `Registry`: planning policies, eval methods and
tasks, index kinds, chunk encoders, file readers, tokenizer trainers, prompt templates,
model aliases and the resolution levels. Adding an entry is one decorator or one call:

    POLICIES = Registry("policy")

    @POLICIES.register("greedy", named=True)   # sets `GreedyPolicy.name = "greedy"`
    class GreedyPolicy(Policy): ...

    POLICIES["greedy"]   # the class; POLICIES["nope"] raises UnknownNameError

A name taken twice raises `ValueError`; an unknown name raises `UnknownNameError` (a
`KeyError` and a `ValueError`) whose message lists the names there are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping
from typing import Any, Generic, TypeVar

from hyperword.exceptions import UnknownNameError

__all__ = ["Registry", "UnknownNameError"]

T = TypeVar("T")


class Registry(MutableMapping[str, T], Generic[T]):
    """Entries by name, in the order they were added.

    Args:
        kind: What an entry is, for messages ("policy", "index kind", ...).
    """

    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, T] = {}

    def add(self, name: str, entry: T) -> T:
        """Add `entry` under `name` and return it; a name already taken raises `ValueError`."""
        if name in self._entries:
            raise ValueError(f"{self.kind} '{name}' is already registered")
        self._entries[name] = entry
        return entry

    def register(self, name: str, *, named: bool = False) -> Callable[[Any], Any]:
        """Decorator form of `add`; with `named`, also sets the entry's `name` attribute."""

        def decorator(entry: Any) -> Any:
            if named:
                entry.name = name
            self.add(name, entry)
            return entry

        return decorator

    def names(self) -> list[str]:
        """The registered names, sorted."""
        return sorted(self._entries)

    def unknown(self, name: object) -> UnknownNameError:
        """The error for a name this registry lacks (raised by `self[name]`)."""
        return UnknownNameError(
            f"unknown {self.kind} '{name}'; choose one of {', '.join(self.names()) or 'none'}"
        )

    def __getitem__(self, name: str) -> T:
        try:
            return self._entries[name]
        except (KeyError, TypeError):
            raise self.unknown(name) from None

    def __setitem__(self, name: str, entry: T) -> None:  # replaces (tests patch entries)
        self._entries[name] = entry

    def __delitem__(self, name: str) -> None:
        try:
            del self._entries[name]
        except KeyError:
            raise self.unknown(name) from None

    def __contains__(self, name: object) -> bool:
        try:
            return name in self._entries
        except TypeError:  # an unhashable name is simply not there
            return False

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {list(self._entries)})"
