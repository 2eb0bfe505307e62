"""`HyperwordEncoder`: spans -> soft tokens at one or several ratios, and the decoder LoRA.

Architecture (chosen by measurement, see docs/encoder.md): the base model reads the span
(frozen with its adapter off, or through a trainable encoder adapter); each window of ~ratio
tokens is mean-pooled from one hidden layer and the input embeddings, and a projector (one per
level, or one shared by every ratio) maps it to one soft token. The decoder is the same base
model with a LoRA adapter on; learned begin/end marker rows frame each soft run and tell the
decoder its ratio. Everything the encoder writes fits in a few MB: projectors, markers and
the adapters.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

import torch
from torch import nn

from hyperword.encoder.adapters import (
    add_encoder_adapter,
    add_lora_targets,
    attach_encoder_adapter,
    lora_config,
)
from hyperword.encoder.base import slots_for
from hyperword.encoder.config import EncoderConfig
from hyperword.encoder.exceptions import (
    CheckpointError,
    EncoderError,
    ModelMismatchError,
    SpanTooLongError,
)
from hyperword.encoder.features import batch_features, window_weights
from hyperword.encoder.folder import (
    DECODER_ADAPTER,
    DEFAULT_ENCODERS,
    ENCODER_ADAPTER,
    base_fingerprint,
    load_encoder,
    replace_folder,
    save_encoder,
)
from hyperword.encoder.projector import Projector

__all__ = ["DEFAULT_ENCODERS", "HyperwordEncoder", "base_fingerprint", "replace_folder"]

logger = logging.getLogger(__name__)

SHARED = "shared"  # the projector key when one projector serves every level


class HyperwordEncoder(nn.Module):
    """Encodes spans into soft tokens; its `model` (base + decoder LoRA) reads them.

    Build a fresh one with `HyperwordEncoder(config, model, tokenizer)` (for training), or load
    a trained one with `from_pretrained`. The base model is wrapped in place by peft: pass a
    copy if the plain model must stay unadapted elsewhere.
    """

    id = "hyperword-encoder"

    def __init__(self, config: EncoderConfig, model, tokenizer):
        super().__init__()
        from peft import PeftModel, get_peft_model

        if model.config.hidden_size != config.d_model:
            raise ModelMismatchError(
                f"encoder expects d_model {config.d_model}, "
                f"the base model has {model.config.hidden_size}"
            )
        if not config.base_fingerprint:
            config.base_fingerprint = base_fingerprint(model)
        self.config = config
        if not isinstance(model, PeftModel):
            model = get_peft_model(model, lora_config(config.lora_r, config))
        if config.encoder_lora_r and ENCODER_ADAPTER not in model.peft_config:
            attach_encoder_adapter(model, config.encoder_lora_r, config)  # a fresh one trains
        self._model = model
        self._tokenizer = tokenizer
        embed_rms = float(model.get_input_embeddings().weight.float().pow(2).mean().sqrt())
        embed_rms *= float(getattr(model.get_input_embeddings(), "embed_scale", 1.0))
        device = model.get_input_embeddings().weight.device
        keys = (SHARED,) if config.shared_projector else config.levels
        self.projectors = nn.ModuleDict(
            {
                key: Projector(
                    config.feature_dim,
                    config.projector_hidden,
                    config.d_model,
                    embed_rms=embed_rms,
                    residual=config.residual,
                    refiner_layers=config.refiner_layers,
                    attention_pooling=config.attention_pooling,
                )
                for key in keys
            }
        ).to(device)
        self.markers = nn.ParameterDict(
            {
                level: nn.Parameter(torch.randn(2, config.d_model, device=device) * embed_rms)
                for level in config.levels
            }
        )

    weights_digest = "untrained"
    feature_cache = None  # a SpanFeatureCache once `cache_features` is called

    def cache_features(self, max_spans: int) -> None:
        """Keep the frozen features of up to `max_spans` spans for the next `encode` of the
        same span (`hyperword.encoder.feature_cache`; about `tokens * d_model * 4` bytes a
        span); 0 turns the cache off. Cached or not, `encode` then reads each span alone.
        """
        from hyperword.encoder.feature_cache import SpanFeatureCache

        self.feature_cache = SpanFeatureCache(self, max_spans) if max_spans else None

    @property
    def version(self) -> str:
        """The config version plus a digest of the weights it was loaded from."""
        return f"{self.config.version}-{self.weights_digest}"

    @property
    def model(self):
        """The decoder: the base model with the LoRA adapter active."""
        return self._model

    @property
    def tokenizer(self):
        return self._tokenizer

    @property
    def device(self) -> torch.device:
        return self._model.get_input_embeddings().weight.device

    @contextmanager
    def frozen_base(self):
        """The plain base model (adapter off)."""
        with self._model.disable_adapter():
            yield self._model

    @contextmanager
    def feature_model(self):
        """The model that reads spans: the plain base, or the base with the encoder adapter."""
        if not self.config.encoder_lora_r:
            with self.frozen_base() as base:
                yield base
            return
        trainable = {n for n, p in self._model.named_parameters() if p.requires_grad}
        self._model.set_adapter(ENCODER_ADAPTER)
        try:
            yield self._model
        finally:
            self._model.set_adapter(DECODER_ADAPTER)
            # peft's set_adapter freezes the inactive adapter; training needs both.
            for name, param in self._model.named_parameters():
                param.requires_grad_(name in trainable)

    @property
    def frozen_features(self) -> bool:
        """Whether a span's features are fixed (no trainable encoder adapter): cacheable."""
        return not self.config.encoder_lora_r

    def span_ids(self, span: str) -> list[int]:
        """A span's base-token ids; raises `SpanTooLongError` past `max_span_tokens`."""
        ids = self._tokenizer(span, add_special_tokens=False).input_ids
        if len(ids) > self.config.max_span_tokens:
            raise SpanTooLongError(
                f"span has {len(ids)} tokens; the encoder accepts at most "
                f"{self.config.max_span_tokens} (split it into chunks first)"
            )
        return ids

    def spans_features(self, spans_ids: Sequence[Sequence[int]]):
        """Per-token features of several spans: `(batch, longest, feature_dim)` and a mask.

        Carries gradients to the encoder adapter when one is trained and grad is enabled.
        """
        with self.feature_model() as reader:
            return batch_features(
                reader, spans_ids, kinds=self.config.features, layer=self.config.feature_layer
            )

    def span_features(self, span_ids: Sequence[int]) -> torch.Tensor:
        """Per-token features of one span, without gradients: `(n_tokens, feature_dim)`."""
        with torch.no_grad():
            features, _ = self.spans_features([span_ids])
        return features[0]

    def fit_feature_stats(self, spans_ids: Sequence[Sequence[int]]) -> None:
        """Measure the per-dimension statistics every projector standardises its input with.

        Call once on a sample of training spans before training a fresh encoder.
        """
        if not spans_ids:
            raise EncoderError("feature statistics need at least one span")
        features = torch.cat([self.span_features(ids) for ids in spans_ids])  # (tokens, f)
        for projector in self.projectors.values():
            projector.set_feature_stats(features.to(projector.gain.device))

    def add_refiner(self, layers: int) -> None:
        """Give every projector a refiner of `layers` layers (see `Projector`) that starts as
        the identity, so a trained encoder keeps its soft tokens until the refiner trains.

        Raises:
            EncoderError: `layers` < 1, or the encoder has a refiner already.
        """
        if layers < 1 or self.config.refiner_layers:
            raise EncoderError(
                f"cannot add {layers} refiner layers to an encoder with "
                f"{self.config.refiner_layers}: add >= 1 to one without a refiner"
            )
        for projector in self.projectors.values():
            projector.add_refiner(layers)
        self.config.refiner_layers = layers

    def add_attention_pooling(self) -> None:
        """Pool windows by a learned score per token (see `Projector`), starting at the mean,
        so a trained encoder keeps its soft tokens until the scores train.

        Raises:
            EncoderError: The encoder pools by attention already.
        """
        if self.config.attention_pooling:
            raise EncoderError("this encoder pools by attention already")
        for projector in self.projectors.values():
            projector.add_attention_pooling()
        self.config.attention_pooling = True

    def add_lora_targets(self, targets: Sequence[str]) -> None:
        """Put the decoder adapter on more modules; see `adapters.add_lora_targets`."""
        self._model = add_lora_targets(self, targets)

    def add_encoder_adapter(self, rank: int) -> None:
        """Read spans through a new encoder adapter; see `adapters.add_encoder_adapter`."""
        add_encoder_adapter(self, rank)

    def projector_for(self, level: str) -> Projector:
        self._check_level(level)
        return self.projectors[SHARED if self.config.shared_projector else level]

    def soft_tokens(
        self, features: torch.Tensor, mask: torch.Tensor, *, level: str, slots: Sequence[int]
    ) -> list[torch.Tensor]:
        """Soft tokens of a padded batch of span features: one `(slots[i], d_model)` each.

        Args:
            features: `(batch, longest, feature_dim)` (see `spans_features`).
            mask: `(batch, longest)`, True at real tokens.
            level: The level (ratio) whose projector and markers apply.
            slots: Soft tokens per span.
        """
        projector = self.projector_for(level)
        device, dtype = projector.gain.device, projector.gain.dtype
        lengths = mask.sum(dim=1).tolist()
        weights = window_weights(lengths, slots, features.shape[1]).to(device, dtype)
        soft = projector(features.to(device, dtype), mask.to(device), weights)
        return [soft[i, :n] for i, n in enumerate(slots)]

    def project(self, features: Sequence[torch.Tensor], *, level: str, n_slots: int):
        """Pool and project per-token features: list of `(n_i, f)` -> `(n_spans, n_slots, d)`."""
        longest = max(f.shape[0] for f in features)
        batch = torch.zeros(len(features), longest, features[0].shape[-1])
        mask = torch.zeros(len(features), longest, dtype=torch.bool)
        for i, f in enumerate(features):
            batch[i, : f.shape[0]], mask[i, : f.shape[0]] = f, True
        soft = self.soft_tokens(batch, mask, level=level, slots=[n_slots] * len(features))
        return torch.stack(soft)

    def encode(
        self, spans: Sequence[str], *, level: str, n_slots: int | None = None
    ) -> torch.Tensor:
        """Soft tokens `(n_spans, n_slots, d_model)` (see `SoftTokenEncoder.encode`)."""
        self._check_level(level)
        ids = self._spans_ids(spans)
        if not ids:
            return torch.zeros(0, n_slots or 1, self.config.d_model)
        n_slots = n_slots or slots_for(max(len(i) for i in ids), level)
        with torch.no_grad():
            features, mask = self.features_for(ids)
            return torch.stack(
                self.soft_tokens(features, mask, level=level, slots=[n_slots] * len(ids))
            )

    def encode_levels(
        self, spans: Sequence[str], *, levels: Sequence[str] | None = None
    ) -> dict[str, list[torch.Tensor]]:
        """Every span at every level from one read of the spans: `{level: [(slots_i, d)]}`.

        Each span gets its own slot count (`slots_for(its tokens, level)`); `levels` defaults
        to all the encoder serves.
        """
        levels = tuple(levels or self.config.levels)
        for level in levels:
            self._check_level(level)
        ids = self._spans_ids(spans)
        if not ids:
            return {level: [] for level in levels}
        with torch.no_grad():
            features, mask = self.features_for(ids)
            return {
                level: self.soft_tokens(
                    features, mask, level=level, slots=[slots_for(len(i), level) for i in ids]
                )
                for level in levels
            }

    def features_for(self, ids: Sequence[Sequence[int]]):
        """`spans_features` (same shapes), through the feature cache when one is on."""
        if self.feature_cache is not None:
            return self.feature_cache.features(ids)
        return self.spans_features(ids)

    def _spans_ids(self, spans: Sequence[str]) -> list[list[int]]:
        if isinstance(spans, str):
            raise EncoderError("encode takes a sequence of spans, not one string")
        ids = [self.span_ids(span) for span in spans]
        if any(not i for i in ids):
            raise EncoderError("cannot encode an empty span")
        return ids

    def wrap(self, soft: torch.Tensor, *, level: str) -> torch.Tensor:
        """`(n_slots, d)` -> `(n_slots + 2, d)`: begin marker, soft tokens, end marker."""
        self._check_level(level)
        if soft.dim() != 2 or soft.shape[-1] != self.config.d_model:
            raise EncoderError(
                f"soft tokens must be (n_slots, {self.config.d_model}), got {tuple(soft.shape)}"
            )
        markers = self.markers[level].to(soft.dtype)
        return torch.cat([markers[:1], soft.to(markers.device), markers[1:]])

    def _check_level(self, level: str) -> None:
        if level not in self.config.levels:
            known = ", ".join(self.config.levels)
            raise EncoderError(f"unknown level '{level}'; this encoder has {known}")

    # -- persistence -----------------------------------------------------------------------

    def trainable_state(self) -> dict[str, torch.Tensor]:
        """Projectors and markers (the adapter is saved by peft)."""
        state = {f"projectors.{k}": v for k, v in self.projectors.state_dict().items()}
        state.update({f"markers.{k}": v for k, v in self.markers.items()})
        return {k: v.detach().cpu().contiguous() for k, v in state.items()}

    def load_trainable_state(self, state: dict[str, torch.Tensor], *, source: str) -> None:
        expected = self.trainable_state()
        missing = sorted(set(expected) - set(state))
        unexpected = sorted(set(state) - set(expected))
        if missing or unexpected:
            raise CheckpointError(
                f"{source}: weights do not match the config (missing {missing[:3]}, "
                f"unexpected {unexpected[:3]})"
            )
        for key, value in state.items():
            if value.shape != expected[key].shape:
                raise CheckpointError(
                    f"{source}: '{key}' has shape {tuple(value.shape)}, "
                    f"expected {tuple(expected[key].shape)}"
                )
        prefix = "projectors."
        projector_state = {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}
        self.projectors.load_state_dict(projector_state)
        with torch.no_grad():
            for level, param in self.markers.items():
                param.copy_(state[f"markers.{level}"].to(param.device, param.dtype))

    def save_pretrained(self, path: str | Path, *, dtype: torch.dtype = torch.float16) -> Path:
        """Write `config.json`, `encoder.safetensors` and `adapter/`; atomic (temp + rename).

        The decoder adapter sits at `adapter/`'s root, an encoder adapter in `adapter/encoder/`.
        """
        return save_encoder(self, path, dtype=dtype)

    @classmethod
    def from_pretrained(
        cls,
        path: str | Path | None = None,
        *,
        model=None,
        tokenizer=None,
        device: str | None = None,
        dtype: torch.dtype | None = None,
        trainable: bool = False,
    ) -> HyperwordEncoder:
        """Load an encoder folder; `path=None` loads the trained default for `gemma-3-270m`.

        Args:
            path: An encoder folder (see `save_pretrained`).
            model: The base model to wrap (loaded from the config's `base_model` when None).
            tokenizer: Its tokenizer (required with `model`).
            device: Where to load the base model when `model` is None.
            dtype: Its dtype when loaded here.
            trainable: Keep the adapters trainable (to resume training).

        Raises:
            CheckpointError: Not an encoder folder, or missing, partial or corrupt files.
            ModelMismatchError: The encoder was trained for another base model.
        """
        return load_encoder(
            cls,
            path,
            model=model,
            tokenizer=tokenizer,
            device=device,
            dtype=dtype,
            trainable=trainable,
        )
