"""What the user reads: our own progress and results, not third-party noise.

Without `--verbose`, the command line turns off what other libraries print between our
lines when we know its cause:

- weight-loading and download progress bars of transformers / huggingface_hub
  (`HF_HUB_DISABLE_PROGRESS_BARS`) and their advisory log lines (`TRANSFORMERS_VERBOSITY`);
- `FutureWarning`s raised inside third-party code about names it still uses: peft's
  `PeftModel` reads `is_gradient_checkpointing` (deprecated in transformers 5), and llmlingua
  and peft pass `past_key_values` (transformers 5 calls it `cache`; our own calls use the
  new name, `hyperword.generation.cache_kwargs`).

`--verbose` shows all of it.
"""

from __future__ import annotations

import os
import sys
import warnings

__all__ = ["KNOWN_WARNINGS", "quiet_third_party"]

KNOWN_WARNINGS = (
    (FutureWarning, r"`is_gradient_checkpointing` is deprecated"),
    (FutureWarning, r"`past_key_values` is deprecated"),
)


def quiet_third_party(*, verbose: bool) -> None:
    """Filter the known third-party warnings and progress bars (nothing when `verbose`)."""
    if verbose:
        return
    for category, message in KNOWN_WARNINGS:
        warnings.filterwarnings("ignore", message=message, category=category)
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    if "huggingface_hub" in sys.modules:  # imported already: the variables came too late
        from huggingface_hub.utils import disable_progress_bars

        disable_progress_bars()
    if "transformers" in sys.modules:
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        transformers_logging.set_verbosity_error()
