"""`AskOptions`: the per-question settings of `Orchestrator.ask`, declared and checked once.

Each field's metadata holds its help and its bounds (`ge`, `gt`, `le`, `max_length`; for a
list, `choices` (a list of names) or `max_items` (a list of free strings)), and `plan` for
the options that shape the planned context rather than generation. The command line
(`hyperword ask`), the HTTP service's request bodies and the `orchestrated` eval method
derive their options from these fields (`ask_fields`), so a new option or a changed bound is
one edit here.
"""

from __future__ import annotations

import functools
import math
import typing
from collections.abc import Mapping
from dataclasses import Field, dataclass, field, fields, replace
from typing import Any

from hyperword.generation import Sampling
from hyperword.levels import check_levels, level_names
from hyperword.text_files import find_lone_surrogate
from mnemonic.hybrid import DEFAULT_MODE, SEARCH_MODES
from orchestrator.exceptions import OptionError

__all__ = ["AskOptions", "OptionSpec", "ask_fields", "planning_options"]


@dataclass(frozen=True)
class AskOptions:
    """Settings of one `ask`; every field can be passed to `ask(question, **options)`."""

    budget: int = field(
        default=256,
        metadata={
            "plan": True,
            "help": "context tokens (sources and their markers)",
            "ge": 1,
            "le": 131_072,
        },
    )
    k: int = field(
        default=16,
        metadata={
            "plan": True,
            "help": "chunks retrieved as candidates",
            "ge": 1,
            "le": 1000,
            "flag": "-k",
        },
    )
    where: str | None = field(
        default=None,
        metadata={
            "plan": True,
            "help": "LanceDB filter on chunk columns, e.g. doc_id = 'a'",
            "max_length": 1000,
            "check": "where",
        },
    )
    policy: str = field(
        default="default",
        metadata={"plan": True, "help": "registered planning policy", "max_length": 100},
    )
    policy_options: Mapping[str, Any] = field(
        default_factory=dict,
        metadata={
            "plan": True,
            "help": "options of the policy's Config",
            "flag": "--policy-option",
            "check": "policy",
        },
    )
    focus: bool = field(
        default=True,
        metadata={
            "plan": True,
            "help": "a cut verbatim source keeps its sentences nearest the question "
            "(extractive compression), else a prefix",
        },
    )
    hops: int = field(
        default=2,
        metadata={
            "plan": True,
            "help": "retrieval rounds: 2 also looks up what the best hits name (their links "
            "when the store has them, else the best hit's bridge sentence)",
            "ge": 1,
            "le": 2,
        },
    )
    mode: str = field(
        default=DEFAULT_MODE,
        metadata={
            "help": "search mode: hybrid (dense and BM25 fused by reciprocal rank), dense "
            "or lexical",
            "choices": lambda: SEARCH_MODES,
        },
    )
    links: bool = field(
        default=True,
        metadata={
            "help": "with hops=2, follow the store's links (when it has them) rather than "
            "search the bridge sentence"
        },
    )
    levels: tuple[str, ...] | None = field(
        default=None,
        metadata={
            "plan": True,
            "help": "levels allowed (default: every available one)",
            "choices": level_names,
            "flag": "--level",
        },
    )
    max_new_tokens: int = field(
        default=32, metadata={"help": "answer length limit", "ge": 1, "le": 4096}
    )
    temperature: float = field(
        default=0.0, metadata={"help": "sampling temperature; 0 = greedy", "ge": 0, "le": 2}
    )
    top_p: float = field(default=1.0, metadata={"help": "nucleus sampling mass", "gt": 0, "le": 1})
    top_k: int = field(
        default=0,
        metadata={"help": "sample from the k likeliest; 0 = all", "ge": 0, "le": 1_000_000},
    )
    seed: int | None = field(
        default=None, metadata={"help": "sampling seed", "ge": 0, "le": 2**64 - 1}
    )
    stop_at_newline: bool = field(default=True, metadata={"help": "answers are one line"})
    answer_forms: bool = field(
        default=True,
        metadata={
            "help": "yes/no and either-or questions are answered yes, no or one of their "
            "options, the likeliest under the model (greedy decoding only)"
        },
    )
    stop: tuple[str, ...] | None = field(
        default=None,
        metadata={
            "help": "stop sequences: the answer ends before the first of them (at most 4)",
            "max_items": 4,
        },
    )
    template: str | None = field(
        default=None, metadata={"help": "prompt template name", "max_length": 100}
    )

    def __post_init__(self) -> None:
        for spec in ask_fields():
            value = spec.check(getattr(self, spec.name))
            object.__setattr__(self, spec.name, value)
        _ = self.sampling  # temperature, top_p and top_k together
        _check_policy_options(self.policy, self.policy_options)

    @property
    def sampling(self) -> Sampling:
        try:
            return Sampling(
                temperature=float(self.temperature),
                top_p=float(self.top_p),
                top_k=self.top_k,
                seed=self.seed,
            )
        except ValueError as error:
            raise OptionError(str(error)) from None

    def with_options(self, **options: Any) -> AskOptions:
        """A copy with `options` replaced; an unknown name raises `OptionError`."""
        allowed = [f.name for f in fields(self)]
        unknown = sorted(set(options) - set(allowed))
        if unknown:
            raise OptionError(f"unknown option(s) {', '.join(unknown)}; allowed: {allowed}")
        return replace(self, **options) if options else self


@dataclass(frozen=True)
class OptionSpec:
    """One `AskOptions` field as the edges read it: its type, default, bounds and help.

    Attributes:
        name: The field name.
        kind: `int`, `float`, `bool`, `str`, `dict` (a mapping) or `list` (names from
            `choices`, or with no `choices` non-empty strings, a lone string taken as one).
        optional: Whether None is a valid value.
        default: The field's default (`{}` for a mapping).
        help: One line for `--help` and the API schema.
        bounds: `ge`, `gt`, `le`, `max_length`, `max_items` as given.
        choices: For `list` and `str`: the allowed names, read when called (the level
            ladder, the search modes).
        flag: The command-line flag (`--budget`; `-k`; `--level`, repeatable).
        cli: Whether the command line offers it.
        check: A further check by name (`"where"`: `mnemonic.filters.check_where`).
    """

    name: str
    kind: type
    optional: bool
    default: Any
    help: str
    bounds: dict[str, Any]
    choices: Any = None
    flag: str = ""
    cli: bool = True
    extra_check: str | None = None

    def check(self, value: Any) -> Any:
        """`value` checked against the type and bounds (a list of names comes back a tuple)."""
        if value is None and self.optional:
            return None
        if self.kind is list and self.choices is None:
            return _check_strings(self.name, value, self.bounds.get("max_items"))
        if self.kind is list:
            try:
                return check_levels(value)
            except ValueError as error:
                raise OptionError(str(error)) from None
        _check_type(self.name, self.kind, value)
        _check_bounds(self.name, value, self.bounds)
        if self.extra_check == "where":
            from mnemonic.exceptions import ConfigError
            from mnemonic.filters import check_where

            try:
                check_where(value)
            except ConfigError as error:
                raise OptionError(str(error)) from None
        if self.kind is str and self.choices is not None and value not in self.choices():
            raise OptionError(f"{self.name} must be one of {list(self.choices())}, got {value!r}")
        return value


@functools.cache
def ask_fields() -> tuple[OptionSpec, ...]:
    """Every `AskOptions` field as an `OptionSpec`, in declaration order."""
    hints = typing.get_type_hints(AskOptions)
    return tuple(_spec(item, hints[item.name]) for item in fields(AskOptions))


def planning_options() -> tuple[str, ...]:
    """The options that shape the planned context (retrieval and the budget's plan); the
    others shape generation. Marked `"plan": True` in their metadata."""
    return tuple(item.name for item in fields(AskOptions) if item.metadata.get("plan"))


_KINDS = {int: int, float: float, bool: bool, str: str}


def _spec(item: Field, hint: Any) -> OptionSpec:
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    optional = type(None) in typing.get_args(hint)
    base = args[0] if optional and len(args) == 1 else hint
    origin = typing.get_origin(base) or base
    mapping = isinstance(origin, type) and issubclass(origin, Mapping)
    kind = _KINDS.get(origin) or (dict if mapping else list)
    meta = dict(item.metadata)
    default = {} if kind is dict else item.default
    bounds = {k: meta[k] for k in ("ge", "gt", "le", "max_length", "max_items") if k in meta}
    return OptionSpec(
        name=item.name,
        kind=kind,
        optional=optional,
        default=default,
        help=meta.get("help", ""),
        bounds=bounds,
        choices=meta.get("choices"),
        flag=meta.get("flag", "--" + item.name.replace("_", "-")),
        cli=meta.get("cli", True),
        extra_check=meta.get("check") if meta.get("check") != "policy" else None,
    )


def _check_type(name: str, kind: type, value: Any) -> None:
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise OptionError(f"{name} must be an integer, got {value!r}")
    if kind is float and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise OptionError(f"{name} must be a number, got {value!r}")
    if kind is float and not math.isfinite(value):
        raise OptionError(f"{name} must be a finite number, got {value!r}")
    if kind is bool and not isinstance(value, bool):
        raise OptionError(f"{name} must be true or false, got {value!r}")
    if kind is str and not isinstance(value, str):
        raise OptionError(f"{name} must be a string, got {value!r}")
    if kind is dict and not isinstance(value, Mapping):
        raise OptionError(f"{name} must be a mapping, got {value!r}")
    surrogate = find_lone_surrogate(value if kind is not dict else dict(value), name)
    if surrogate:
        raise OptionError(f"{surrogate} is a lone surrogate, not valid Unicode text")


def _check_policy_options(policy: str, options: Mapping[str, Any]) -> None:
    """Every value a finite number, a string, a boolean or None; then the policy's own check."""
    from orchestrator.policy import create_policy

    for key, value in options.items():
        finite = not isinstance(value, float) or math.isfinite(value)
        if not (value is None or isinstance(value, (str, bool, int, float))) or not finite:
            raise OptionError(
                f"policy_options.{key} must be a finite number, a string, true/false or null; "
                f"got {value!r}"
            )
    create_policy(policy, **options)  # unknown names, wrong types, out-of-range values


def _check_strings(name: str, value: Any, max_items: int | None) -> tuple[str, ...]:
    """A list of non-empty strings as a tuple (a lone string is a list of one)."""
    items = (value,) if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not all(isinstance(i, str) and i for i in items):
        raise OptionError(f"{name} must be a string or a list of non-empty strings, got {value!r}")
    if max_items is not None and len(items) > max_items:
        raise OptionError(f"{name} takes at most {max_items} strings, got {len(items)}")
    return tuple(items)


def _check_bounds(name: str, value: Any, bounds: dict[str, Any]) -> None:
    if "max_length" in bounds and len(value) > bounds["max_length"]:
        raise OptionError(f"{name} must be at most {bounds['max_length']} characters")
    strict = "gt" in bounds
    low, high = bounds.get("gt" if strict else "ge"), bounds.get("le")
    too_low = low is not None and (value <= low if strict else value < low)
    if too_low or (high is not None and value > high):
        if high is None:
            bound = f"{'>' if strict else '>='} {low}"
        else:
            bound = f"in {'(' if strict else '['}{low}, {high}]"
        raise OptionError(f"{name} must be {bound}, got {value}")
