"""The soft-token encoder contract shared by ingest, the orchestrator and the eval methods.

A soft-token encoder turns text spans into vectors in the base model's input-embedding space
(`inputs_embeds` rows, after any embedding scale the model applies), at one of the soft levels
of the ladder (`hyperword.levels`: `scene` 8 and `concept` 64 base tokens per soft token).

Its `model` is the decoder that reads them: the base model with the decoder adapter active.
Soft tokens go into a sequence between the level's learned marker rows (`wrap`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from hyperword.levels import LEVELS, soft_levels

if TYPE_CHECKING:
    import torch

__all__ = ["LEVEL_RATIOS", "SOFT_LEVELS", "SoftTokenEncoder", "slots_for"]

LEVEL_RATIOS: dict[str, int] = {level.name: level.ratio for level in soft_levels()}
SOFT_LEVELS: tuple[str, ...] = tuple(LEVEL_RATIOS)


def slots_for(n_tokens: int, level: str) -> int:
    """Soft tokens a span of `n_tokens` base tokens gets at `level` (at least one)."""
    return LEVELS[level].slots(n_tokens)


@runtime_checkable
class SoftTokenEncoder(Protocol):
    """What the orchestrator, the store and the eval methods need from an encoder."""

    id: str
    version: str

    @property
    def model(self) -> Any:
        """The decoder (the base model with its adapter) that reads the soft tokens."""
        ...

    @property
    def tokenizer(self) -> Any:
        """The base tokenizer."""
        ...

    def encode(
        self, spans: Sequence[str], *, level: str, n_slots: int | None = None
    ) -> torch.Tensor:
        """Soft tokens `(n_spans, n_slots, d_model)`.

        `n_slots` defaults to `slots_for(longest span's tokens, level)`; encode one span at a
        time to give each span its own count.
        """
        ...

    def wrap(self, soft: torch.Tensor, *, level: str) -> torch.Tensor:
        """`(n_slots, d_model)` -> `(n_slots + 2, d_model)`: begin marker, soft, end marker."""
        ...
