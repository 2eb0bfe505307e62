"""Errors raised by the orchestrator and its service. Each message says what to do next."""

from __future__ import annotations

from hyperword.exceptions import HyperwordError

__all__ = ["OptionError", "OrchestratorError", "PolicyError", "UnknownPolicyError"]


class OrchestratorError(HyperwordError):
    """Base class of the orchestrator's errors."""


class OptionError(OrchestratorError, ValueError):
    """An `ask` option is unknown or has a value outside its allowed range."""


class UnknownPolicyError(OrchestratorError, KeyError):
    """No planning policy is registered under the requested name."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class PolicyError(OrchestratorError, ValueError):
    """A policy returned a plan that breaks the budget or names an unavailable level."""
