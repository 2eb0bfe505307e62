"""Errors raised by the orchestrator and its service. Each message says what to do next."""

from __future__ import annotations

from hyperword.exceptions import HyperwordError, UnknownNameError

__all__ = ["OptionError", "OrchestratorError", "PolicyError", "UnknownPolicyError"]


class OrchestratorError(HyperwordError):
    """Base class of the orchestrator's errors."""


class OptionError(OrchestratorError, ValueError):
    """An `ask` option is unknown or has a value outside its allowed range."""


UnknownPolicyError = UnknownNameError  # the one unknown-name error (kept name)


class PolicyError(OrchestratorError, ValueError):
    """A policy returned a plan that breaks the budget or names an unavailable level."""
