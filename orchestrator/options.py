"""`AskOptions`: the per-question settings of `Orchestrator.ask`, checked in one place."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from hyperword.generation import Sampling
from hyperword.levels import check_levels
from orchestrator.exceptions import OptionError

__all__ = ["AskOptions"]


def _int(name: str, value: Any, *, low: int, high: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise OptionError(f"{name} must be an integer, got {value!r}")
    if value < low or (high is not None and value > high):
        bound = f"in [{low}, {high}]" if high is not None else f">= {low}"
        raise OptionError(f"{name} must be {bound}, got {value}")


@dataclass(frozen=True)
class AskOptions:
    """Settings of one `ask`; every field can be passed to `ask(question, **options)`."""

    budget: int = field(default=256, metadata={"help": "context positions (sources + markers)"})
    k: int = field(default=16, metadata={"help": "chunks retrieved as candidates"})
    where: str | None = field(default=None, metadata={"help": "LanceDB filter, e.g. doc_id='a'"})
    policy: str = field(default="default", metadata={"help": "registered planning policy"})
    policy_options: Mapping[str, Any] = field(
        default_factory=dict, metadata={"help": "options of the policy's Config"}
    )
    focus: bool = field(
        default=True,
        metadata={"help": "a cut verbatim source keeps its sentences nearest the question"},
    )
    hops: int = field(
        default=2,
        metadata={"help": "retrieval rounds: 2 also looks up the best hit's bridge sentence"},
    )
    levels: tuple[str, ...] | None = field(
        default=None, metadata={"help": "levels allowed (default: every available one)"}
    )
    max_new_tokens: int = field(default=32, metadata={"help": "answer length limit"})
    temperature: float = field(default=0.0, metadata={"help": "0 = greedy"})
    top_p: float = field(default=1.0, metadata={"help": "nucleus sampling mass"})
    top_k: int = field(default=0, metadata={"help": "0 = no limit"})
    seed: int | None = field(default=None, metadata={"help": "sampling seed"})
    stop_at_newline: bool = field(default=True, metadata={"help": "answers are one line"})
    template: str | None = field(default=None, metadata={"help": "prompt template name"})

    def __post_init__(self) -> None:
        _int("budget", self.budget, low=1, high=1_000_000)
        _int("k", self.k, low=1, high=1000)
        _int("max_new_tokens", self.max_new_tokens, low=1, high=4096)
        _int("hops", self.hops, low=1, high=2)
        if not isinstance(self.focus, bool):
            raise OptionError(f"focus must be true or false, got {self.focus!r}")
        if self.where is not None and not isinstance(self.where, str):
            raise OptionError(f"where must be a string, got {self.where!r}")
        if not isinstance(self.policy, str):
            raise OptionError(f"policy must be a string, got {self.policy!r}")
        if not isinstance(self.policy_options, Mapping):
            raise OptionError(f"policy_options must be a mapping, got {self.policy_options!r}")
        if self.levels is not None:
            try:
                object.__setattr__(self, "levels", check_levels(self.levels))
            except ValueError as error:
                raise OptionError(str(error)) from None
        if self.seed is not None:
            _int("seed", self.seed, low=0)
        if not isinstance(self.stop_at_newline, bool):
            raise OptionError(
                f"stop_at_newline must be true or false, got {self.stop_at_newline!r}"
            )
        if self.template is not None and not isinstance(self.template, str):
            raise OptionError(f"template must be a string, got {self.template!r}")
        _ = self.sampling  # checks temperature, top_p, top_k

    @property
    def sampling(self) -> Sampling:
        for name in ("temperature", "top_p"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise OptionError(f"{name} must be a number, got {value!r}")
        _int("top_k", self.top_k, low=0)
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
