"""Evaluation methods, registered by name. Importing this package registers the built-ins."""

from __future__ import annotations

from eval.methods import (
    baselines,
    hyperword_method,
    llmlingua_method,
    orchestrated,
    rag_text,
    soft_context,
)
from eval.methods.base import (
    METHODS,
    Method,
    MethodContext,
    MethodResult,
    TextContextMethod,
    get_method,
    register_method,
)

__all__ = [
    "METHODS",
    "Method",
    "MethodContext",
    "MethodResult",
    "TextContextMethod",
    "baselines",
    "get_method",
    "hyperword_method",
    "llmlingua_method",
    "orchestrated",
    "rag_text",
    "register_method",
    "soft_context",
]
