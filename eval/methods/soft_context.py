"""Soft levels (`ratio-4`, `scene`, `ratio-16`, `ratio-32`, `concept`) and `full-adapted`.

- one method per soft level of the ladder, named after it: each document is cut into spans
  the encoder accepts, and each span becomes `ceil(tokens / ratio)` soft tokens (4 to 64
  base tokens per soft token) between the level's two marker rows; the markers count as
  context tokens.
- `full-adapted`: the whole context verbatim through the same decoder adapter and prompt, so
  the gain of compression is not confused with the gain of tuning the decoder.

The encoder is the shipped default, or the folder given as the method option `encoder`
(`--method-option scene.encoder=DIR`). It wraps a private copy of the harness's model (peft
adds its LoRA in place), loaded once per process and path and shared by these methods, and
keeps the frozen features of the last `FEATURE_CACHE_SPANS` spans it read, so the levels
asked about the same passage read it once.
"""

from __future__ import annotations

import copy
from typing import Any

import torch

from eval.exceptions import MethodUnavailableError
from eval.methods.base import Method, MethodContext, MethodResult, register_method
from eval.tasks.base import Example
from hyperword.encoder import (
    EncoderError,
    HyperwordEncoder,
    answer_from_rows,
    folder_digest,
    slots_for,
)
from hyperword.levels import soft_levels
from hyperword.prompts import get_template
from hyperword.rows import text_rows

__all__ = ["FullAdapted", "load_encoder_for"]

_ENCODERS: dict[tuple[int, str], HyperwordEncoder] = {}
FEATURE_CACHE_SPANS = 2000


def load_encoder_for(model, tokenizer, path: str | None = None) -> HyperwordEncoder:
    """The encoder at `path` (default: shipped) on a copy of `model`, cached per model and path."""
    key = (id(model), path or "")
    if key not in _ENCODERS:
        encoder = HyperwordEncoder.from_pretrained(
            path, model=copy.deepcopy(model), tokenizer=tokenizer
        )
        encoder.cache_features(FEATURE_CACHE_SPANS)
        _ENCODERS[key] = encoder
    return _ENCODERS[key]


class _EncoderMethod(Method):
    level: str = ""

    def __init__(self, context: MethodContext):
        super().__init__(context)
        self.path = self.ctx.options.get("encoder")
        try:
            self.encoder = load_encoder_for(self.ctx.model, self.ctx.tokenizer, self.path)
        except EncoderError as error:
            raise MethodUnavailableError(str(error)) from error

    @classmethod
    def weights(cls, options: dict[str, Any]) -> str | None:
        return folder_digest(options.get("encoder"))

    def config(self) -> dict[str, Any]:
        enc = self.encoder
        return {
            "encoder": enc.id,
            "encoder_version": enc.version,
            "template": enc.config.template,
            "path": self.path or "default",
        }

    @torch.no_grad()
    def context_rows(self, example: Example) -> torch.Tensor:
        raise NotImplementedError

    def run(self, example: Example) -> MethodResult:
        enc = self.encoder
        rows = self.context_rows(example)
        generation = answer_from_rows(
            enc.model,
            enc.tokenizer,
            get_template(enc.config.template),
            example.question,
            rows,
            max_new_tokens=self.ctx.max_new_tokens,
        )
        return MethodResult(generation=generation, details={"level": self.level or "text"})


class _SoftMethod(_EncoderMethod):
    def __init__(self, context: MethodContext):
        super().__init__(context)
        if self.level not in self.encoder.config.levels:
            served = ", ".join(self.encoder.config.levels)
            raise MethodUnavailableError(f"the encoder serves {served}, not {self.level}")

    @torch.no_grad()
    def context_rows(self, example: Example) -> torch.Tensor:
        enc = self.encoder
        longest = enc.config.max_span_tokens
        runs = []
        for _, text in example.documents:
            ids = enc.tokenizer(text, add_special_tokens=False).input_ids
            for start in range(0, len(ids), longest):
                span = ids[start : start + longest]
                features, mask = enc.features_for([span])
                slots = [slots_for(len(span), self.level)]
                soft = enc.soft_tokens(features, mask, level=self.level, slots=slots)
                runs.append(enc.wrap(soft[0], level=self.level))
        return torch.cat(runs)  # (context positions, d_model)


def _register_soft_methods() -> None:
    """One method per soft level of the ladder, named after it (`scene`, `ratio-16`, ...)."""
    for level in soft_levels():
        cls = type(
            f"SoftContext_{level.column}",
            (_SoftMethod,),
            {
                "level": level.name,
                "__doc__": f"Each span as {level.name} soft tokens (~{level.ratio} base tokens"
                " each).",
            },
        )
        register_method(level.name)(cls)


_register_soft_methods()


@register_method("full-adapted")
class FullAdapted(_EncoderMethod):
    """The whole context verbatim, read by the encoder's decoder adapter and prompt."""

    @torch.no_grad()
    def context_rows(self, example: Example) -> torch.Tensor:
        enc = self.encoder
        return text_rows(enc.model, enc.tokenizer, example.context)
