"""Options shared by several commands, and the `ask` options derived from `AskOptions`."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click

from hyperword.models import DEFAULT_MODEL

__all__ = [
    "ask_options",
    "encoder_option",
    "given_ask_options",
    "hyperword_tokenizer_option",
    "model_option",
    "parse_key_value",
]

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def model_option(dest: str = "model") -> Decorator:
    """`--model`: the base model alias or folder."""
    return click.option(
        "--model", dest, default=DEFAULT_MODEL, show_default=True, help="Base model alias or path."
    )


def encoder_option() -> Decorator:
    """`--encoder`: the soft-token encoder (folder, `auto` or `none`)."""
    return click.option(
        "--encoder",
        default="auto",
        show_default=True,
        help="Soft-token encoder folder, 'auto' (the trained default, if any) or 'none'.",
    )


def hyperword_tokenizer_option() -> Decorator:
    """`--hyperword-tokenizer`: the hyperword tokenizer (folder, `auto` or `none`)."""
    return click.option(
        "--hyperword-tokenizer",
        default="auto",
        show_default=True,
        help="Hyperword tokenizer folder, 'auto' ($HYPERWORD_TOKENIZER, else the one shipped "
        "for the model) or 'none'.",
    )


def ask_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """Add one option per `AskOptions` field (its flag, type, bounds, default and help).

    Collect them in the command with `given_ask_options(kwargs)`.
    """
    from orchestrator.options import ask_fields

    for spec in reversed([s for s in ask_fields() if s.cli]):
        function = _option(spec)(function)
    return function


def given_ask_options(values: dict[str, Any]) -> dict[str, Any]:
    """Pop the `AskOptions` fields out of a command's keyword arguments (None and an empty
    `--level` mean the default)."""
    from orchestrator.options import ask_fields

    given = {}
    for spec in ask_fields():
        value = values.pop(spec.name, None)
        if spec.kind is dict and value:  # KEY=JSON pairs
            value = dict(parse_key_value(pair, hint=spec.flag) for pair in value)
        if value is not None and value != ():
            given[spec.name] = value
    return given


def parse_key_value(option: str, *, hint: str) -> tuple[str, Any]:
    """`KEY=VALUE` as `(key, value)`, the value read as JSON when it is JSON (`false`, `3`,
    `["a"]`), else kept as a string; no `=` or no key is a usage error naming `hint`."""
    key, sep, value = option.partition("=")
    if not sep or not key:
        raise click.BadParameter(f"expected KEY=VALUE, got {option!r}", param_hint=hint)
    try:
        return key, json.loads(value)
    except ValueError:
        return key, value


def _option(spec: Any) -> Decorator:
    help_text = spec.help[:1].upper() + spec.help[1:] + "."
    common = {"default": spec.default, "help": help_text, "show_default": spec.default is not None}
    if spec.kind is bool:
        name = spec.flag.removeprefix("--")
        return click.option(f"{spec.flag}/--no-{name}", spec.name, **common)
    if spec.kind is list:
        choice = click.Choice(spec.choices()) if spec.choices else str
        return click.option(spec.flag, spec.name, type=choice, multiple=True, help=help_text)
    if spec.kind is dict:
        help_text += f" One KEY=JSON each, repeatable: {spec.flag} rest_view=false."
        return click.option(spec.flag, spec.name, multiple=True, metavar="KEY=JSON", help=help_text)
    return click.option(spec.flag, spec.name, type=_click_type(spec), **common)


def _click_type(spec: Any) -> Any:
    low = spec.bounds.get("ge", spec.bounds.get("gt"))
    high, strict = spec.bounds.get("le"), "gt" in spec.bounds
    if spec.kind is int:
        return click.IntRange(low, high)
    if spec.kind is float:
        return click.FloatRange(low, high, min_open=strict)
    if spec.choices is not None:
        return click.Choice(spec.choices())
    return str
