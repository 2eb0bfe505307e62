"""OpenAI chat-completion fields accepted only at values that change nothing here.

Clients send many of OpenAI's fields at their defaults (`frequency_penalty: 0`,
`logprobs: false`, ...). Each field below is accepted when absent, null or one of its
neutral values, and refused (422, naming the field) at any value that would change the
answer, since this service would otherwise ignore it. `stop`, `n`, `seed`, `temperature`,
`top_p`, `max_tokens` and `max_completion_tokens` are honoured (`schemas.py`).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field

__all__ = ["NEUTRAL_MESSAGE_VALUES", "NEUTRAL_VALUES", "neutral_fields"]

NEUTRAL_VALUES: dict[str, tuple[Any, ...]] = {  # request field -> the values that change nothing
    "frequency_penalty": (0,),
    "presence_penalty": (0,),
    "logprobs": (False,),
    "top_logprobs": (0,),
    "logit_bias": ({},),
    "tools": ([],),
    "tool_choice": ("none",),
    "functions": ([],),
    "function_call": ("none",),
    "parallel_tool_calls": (True, False),
    "response_format": ({"type": "text"},),
    "modalities": (["text"],),
    "service_tier": ("auto", "default"),
}
NEUTRAL_MESSAGE_VALUES: dict[str, tuple[Any, ...]] = {  # message field -> the same
    "refusal": (),
    "tool_calls": ([],),
    "function_call": (),
    "audio": (),
    "annotations": ([],),
}


def _neutral(name: str, allowed: tuple[Any, ...]) -> Any:
    def check(value: Any) -> None:
        if value is None or any(_same(value, neutral) for neutral in allowed):
            return None
        shown = " or ".join(repr(v) for v in allowed) or "null"
        raise ValueError(
            f"{name}={value!r} is not supported by this service (it would change the "
            f"answer); leave it out or send {shown}"
        )

    return check


def _same(value: Any, neutral: Any) -> bool:
    if isinstance(neutral, bool) or isinstance(value, bool):
        return type(value) is type(neutral) and value == neutral
    return value == neutral


def neutral_fields(table: dict[str, tuple[Any, ...]]) -> dict[str, tuple[Any, Any]]:
    """Pydantic fields (for `create_model`) accepting only `table`'s neutral values."""
    return {
        name: (
            Annotated[Any, AfterValidator(_neutral(name, allowed))],
            Field(default=None, description=f"accepted at {allowed or 'null'} only"),
        )
        for name, allowed in table.items()
    }
