"""OpenAI chat-completion bodies and server-sent-event chunks built from an `Answer`."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from orchestrator.answer import Answer

__all__ = ["completion", "completion_chunk", "new_completion_id", "sse", "usage"]


def new_completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex[:24]}"


def usage(answer: Answer) -> dict[str, int]:
    report = answer.report
    return {
        "prompt_tokens": report.prompt_tokens,
        "completion_tokens": report.new_tokens,
        "total_tokens": report.prompt_tokens + report.new_tokens,
    }


def completion(answer: Answer, *, model: str) -> dict[str, Any]:
    """A `chat.completion` object; the report rides along under `hyperword`."""
    return {
        "id": new_completion_id(),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": answer.text},
                "finish_reason": answer.report.finish_reason,
            }
        ],
        "usage": usage(answer),
        "hyperword": answer.report.to_dict(),
    }


def completion_chunk(
    completion_id: str,
    *,
    model: str,
    created: int,
    delta: dict[str, Any] | None = None,
    finish_reason: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A `chat.completion.chunk` object (an empty `choices` list when `delta` is None)."""
    choices = []
    if delta is not None:
        choices = [{"index": 0, "delta": delta, "finish_reason": finish_reason}]
    return {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": choices,
        **extra,
    }


def sse(data: dict[str, Any] | str) -> str:
    """One server-sent event: `data: {...}` and a blank line."""
    payload = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return f"data: {payload}\n\n"
