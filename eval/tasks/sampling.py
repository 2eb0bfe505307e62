"""Uniform, seeded sampling of examples.

Taking the first N questions of a file is biased: SQuAD's first question of each paragraph
mostly asks about the paragraph's opening (see NOTES.md). Sample uniformly instead.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from eval.exceptions import EvalError
from eval.tasks.base import Example

__all__ = ["sample_examples"]


def sample_examples(
    examples: Sequence[Example], limit: int | None = None, seed: int = 0
) -> list[Example]:
    """Draw `limit` examples uniformly at random, returned in their original order.

    The draw is a seeded permutation cut at `limit`, so for one seed a smaller sample is a
    subset of a larger one, and the result does not depend on the Python hash seed.

    Args:
        examples: All examples of a task, in the loader's order.
        limit: How many to keep; `None` (or at least `len(examples)`) keeps them all.
        seed: Seeds the draw.

    Returns:
        The chosen examples, in the order they had in `examples`.

    Raises:
        EvalError: `limit` is not a positive integer.
    """
    examples = list(examples)
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise EvalError(f"limit must be None or a positive integer, got {limit!r}")
    if limit is None or limit >= len(examples):
        return examples
    order = list(range(len(examples)))
    random.Random(f"sample:{seed}").shuffle(order)
    return [examples[i] for i in sorted(order[:limit])]
