"""Hyperword: compress text into fewer, denser tokens so large contexts fit on one GPU."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
