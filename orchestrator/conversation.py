"""Chat turns: which message is the question, and how the rest of a conversation is read.

The rule (the service's `/v1/chat/completions`, the LangChain chat model and
`Orchestrator.ask(question, history=...)` all follow it):

- The question is the **last message**, which must be the user's and hold text
  (`split_messages`; otherwise `OptionError`, a 400 in the service).
- The system messages and the earlier turns are **read as verbatim text in the context**,
  ahead of the sources, and paid for from the same budget: `fit_history` keeps the system
  messages, then the earlier turns newest first, each whole, while they fit in
  `HISTORY_SHARE` of the budget (a turn that does not fit is dropped with every older one);
  the sources get what is left. They are rendered as `System: ...`, `User: ...`,
  `Assistant: ...` lines, in their order.
- **Retrieval** searches the question preceded by the previous user message
  (`retrieval_query`), so a follow-up ("When did it open?") finds the document the
  conversation is about.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from orchestrator.exceptions import OptionError

__all__ = [
    "HISTORY",
    "HISTORY_SHARE",
    "NO_HISTORY",
    "FittedHistory",
    "Turn",
    "fit_history",
    "retrieval_query",
    "split_messages",
]

HISTORY = "history"  # the conversation's key in a report's tokens per level
HISTORY_SHARE = 0.5  # at most this share of the budget goes to the system message and earlier turns
ROLES = {"system": "System", "developer": "System", "user": "User", "assistant": "Assistant"}


@dataclass(frozen=True)
class Turn:
    """One chat message: `role` (`system`, `developer`, `user` or `assistant`) and its text."""

    role: str
    content: str

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise OptionError(f"a message's role must be one of {sorted(ROLES)}, got {self.role!r}")
        if not isinstance(self.content, str):
            raise OptionError(
                f"a message's content must be text, got {type(self.content).__name__}"
            )

    @property
    def line(self) -> str:
        return f"{ROLES[self.role]}: {self.content.strip()}\n"


def split_messages(messages: Sequence[Turn | Mapping[str, Any]]) -> tuple[str, tuple[Turn, ...]]:
    """`(question, history)`: the last message's text and the messages before it.

    Raises:
        OptionError: No messages, the last one is not the user's, or its text is blank.
    """
    turns = [
        m if isinstance(m, Turn) else Turn(m["role"], m.get("content") or "") for m in messages
    ]
    if not turns:
        raise OptionError("messages are empty: nothing to answer")
    last = turns[-1]
    if last.role != "user":
        raise OptionError(
            f"the last message must be the user's question, got a {last.role!r} message"
        )
    if not last.content.strip():
        raise OptionError("the last user message is empty: nothing to answer")
    return last.content, tuple(turns[:-1])


def retrieval_query(question: str, history: Sequence[Turn]) -> str:
    """The text to search: the previous user message (if any), then the question."""
    earlier = [t.content.strip() for t in history if t.role == "user" and t.content.strip()]
    return f"{earlier[-1]}\n{question}" if earlier else question


@dataclass(frozen=True)
class FittedHistory:
    """The part of a conversation that goes into the context.

    Attributes:
        text: The kept messages as `Role: text` lines ("" when none).
        ids: Its base-token ids (`len(ids)` context tokens).
        kept: Messages kept.
        dropped: Messages left out (they did not fit).
    """

    text: str
    ids: tuple[int, ...]
    kept: int
    dropped: int


NO_HISTORY = FittedHistory(text="", ids=(), kept=0, dropped=0)


def fit_history(history: Sequence[Turn], tokenizer: Any, *, room: int) -> FittedHistory:
    """The system messages, then the earlier turns newest first, whole, within `room` tokens."""
    system = [t for t in history if t.role in ("system", "developer") and t.content.strip()]
    turns = [t for t in history if t.role in ("user", "assistant") and t.content.strip()]
    kept = [t for t in system if _tokens(tokenizer, t.line) <= room]
    used = sum(_tokens(tokenizer, t.line) for t in kept)
    recent: list[Turn] = []
    for turn in reversed(turns):
        cost = _tokens(tokenizer, turn.line)
        if used + cost > room:
            break
        recent.insert(0, turn)
        used += cost
    kept += recent
    while True:  # counted whole, the joined lines may differ by a token at a boundary
        text = "".join(t.line for t in kept)
        ids = tuple(tokenizer(text, add_special_tokens=False).input_ids) if text else ()
        if len(ids) <= room or not kept:
            nonblank = len(system) + len(turns)
            return FittedHistory(text=text, ids=ids, kept=len(kept), dropped=nonblank - len(kept))
        kept.pop(len(kept) - len(recent) if recent else 0)
        recent = recent[1:]


def _tokens(tokenizer: Any, text: str) -> int:
    return len(tokenizer(text, add_special_tokens=False).input_ids)
