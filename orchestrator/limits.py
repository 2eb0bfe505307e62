"""The model's limit on positions: a budget the model cannot read is refused, saying why.

A model reads at most `max_position_embeddings` positions (its config; a multimodal config's
`text_config`): Gemma 3 270M reads 32,768, though `AskOptions.budget` allows up to 131,072.
One answer takes the prompt around the context (the template, the question, a BOS), the
context (at most `budget`) and the answer (`max_new_tokens`); `check_fits` refuses a budget
whose sum would run past the limit, naming the largest budget that fits.
"""

from __future__ import annotations

from typing import Any

from orchestrator.exceptions import OptionError

__all__ = ["check_fits", "max_positions"]


def max_positions(model: Any) -> int | None:
    """The positions `model` reads at most, from its config (None when it does not say)."""
    config = getattr(model, "config", None)
    for candidate in (config, getattr(config, "text_config", None)):
        value = getattr(candidate, "max_position_embeddings", None)
        if isinstance(value, int) and value > 0:
            return value
    return None


def check_fits(
    *, budget: int, prompt_tokens: int, max_new_tokens: int, limit: int | None, model: str
) -> None:
    """`OptionError` when `prompt_tokens + budget + max_new_tokens` is over `limit`."""
    if limit is None or prompt_tokens + budget + max_new_tokens <= limit:
        return
    room = limit - prompt_tokens - max_new_tokens
    fix = f"use a budget of at most {room}" if room >= 1 else "ask a shorter question"
    raise OptionError(
        f"budget {budget} does not fit the model: {model} reads at most {limit} positions "
        f"(max_position_embeddings in its config), and the prompt takes {prompt_tokens} and "
        f"the answer up to {max_new_tokens} (max_new_tokens); {fix}"
    )
