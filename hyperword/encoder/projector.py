"""The projector: per-token span features -> one soft token per window, in the embedding space."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["Projector", "attend"]


class Projector(nn.Module):
    """Standardise, (optionally refine), pool windows, MLP, then a LayerNorm and a gain.

    Hidden states of models like Gemma have a few dimensions thousands of times larger than
    the rest and nearly constant across tokens; a LayerNorm over raw features would see only
    those, and every window would map to the same soft token. So each input dimension is
    first standardised with statistics measured on training spans (`set_feature_stats`,
    saved with the weights). The output norm and gain keep soft tokens at the scale of the
    base model's input rows (`embed_rms`, the root mean square of one embedding coordinate).

    With `refiner_layers`, a small bidirectional transformer (width `d_model`) reads the
    standardised per-token features before pooling and adds its output to them, so that a
    window's soft token can carry what the rest of the span says about it (a light trainable
    encoder over frozen features; it costs a fraction of a base-model pass). Its output
    layer starts at zero: a refiner added to a trained projector (`add_refiner`) changes
    nothing until it is trained.

    With `attention_pooling`, a learned score per token (a linear map of its standardised
    features) weights the tokens of each window (softmax within the window) instead of the
    plain mean, for the MLP's input and the residual embedding alike: a window can keep its
    names and numbers and drop its function words. The score starts at zero (the mean), so
    pooling added to a trained projector (`add_attention_pooling`) changes nothing until it is
    trained.

    With `residual`, the last `d_model` input dimensions are the input embedding and the soft
    token is the window's mean input embedding plus the MLP's output, whose gain starts at a
    tenth of the embedding scale. Measured (docs/encoder.md): a decoder trained against a
    projector alone learned to ignore it; the mean embedding of 8 tokens is readable by the
    untuned base model from the start, so training refines something the decoder uses.
    """

    def __init__(
        self,
        in_dim: int,
        hidden: int,
        d_model: int,
        *,
        embed_rms: float = 1.0,
        residual: bool = False,
        refiner_layers: int = 0,
        refiner_heads: int = 8,
        attention_pooling: bool = False,
    ):
        super().__init__()
        if residual and in_dim < d_model:
            raise ValueError(f"a residual projector needs >= {d_model} input dims, got {in_dim}")
        self.residual = residual
        self.d_model = d_model
        self.register_buffer("feature_mean", torch.zeros(in_dim))
        self.register_buffer("feature_std", torch.ones(in_dim))
        self.refiner = None
        if refiner_layers:
            self.add_refiner(refiner_layers, heads=refiner_heads)
        self.pool_score = None
        if attention_pooling:
            self.add_attention_pooling()
        self.in_norm = nn.LayerNorm(in_dim)
        self.mlp = nn.Sequential(nn.Linear(in_dim, hidden), nn.GELU(), nn.Linear(hidden, d_model))
        self.out_norm = nn.LayerNorm(d_model, elementwise_affine=False)
        start = 0.1 * embed_rms if residual else embed_rms
        self.gain = nn.Parameter(torch.full((d_model,), float(start)))

    def add_refiner(self, layers: int, *, heads: int = 8) -> None:
        """Give the projector a refiner of `layers` layers whose output starts at zero."""
        if self.refiner is not None:
            raise ValueError("this projector has a refiner already")
        in_dim, d_model = self.feature_mean.shape[0], self.d_model
        layer = nn.TransformerEncoderLayer(
            d_model,
            heads,
            dim_feedforward=2 * d_model,
            dropout=0.0,
            activation="gelu",
            batch_first=True,
            norm_first=True,
        )
        device = self.feature_mean.device
        self.refiner_in = nn.Linear(in_dim, d_model).to(device)
        self.refiner = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False).to(device)
        self.refiner_out = nn.Linear(d_model, in_dim).to(device)
        nn.init.zeros_(self.refiner_out.weight)
        nn.init.zeros_(self.refiner_out.bias)

    def add_attention_pooling(self) -> None:
        """Pool each window by a learned score per token, starting at zero (the mean)."""
        if self.pool_score is not None:
            raise ValueError("this projector pools by attention already")
        self.pool_score = nn.Linear(self.feature_mean.shape[0], 1).to(self.feature_mean.device)
        nn.init.zeros_(self.pool_score.weight)
        nn.init.zeros_(self.pool_score.bias)

    @torch.no_grad()
    def set_feature_stats(self, features: torch.Tensor) -> None:
        """Per-dimension mean and standard deviation of `(n, in_dim)` training features."""
        self.feature_mean.copy_(features.mean(dim=0))
        self.feature_std.copy_(features.std(dim=0).clamp(min=1e-3))

    def forward(
        self, features: torch.Tensor, mask: torch.Tensor, weights: torch.Tensor
    ) -> torch.Tensor:
        """Soft tokens of a padded batch of spans.

        Args:
            features: `(batch, longest, in_dim)` per-token features (zeros past a span).
            mask: `(batch, longest)`, True at real tokens.
            weights: `(batch, slots, longest)` window-pooling weights (`window_weights`).

        Returns:
            `(batch, slots, d_model)`; rows past a span's own slot count are meaningless.
        """
        standard = (features - self.feature_mean) / self.feature_std  # (batch, longest, in)
        if self.refiner is not None:
            read = self.refiner(self.refiner_in(standard), src_key_padding_mask=~mask)
            standard = standard + self.refiner_out(read)
        if self.pool_score is not None:
            weights = attend(weights, self.pool_score(standard).squeeze(-1))
        pooled = weights @ standard  # (batch, slots, in_dim)
        out = self.out_norm(self.mlp(self.in_norm(pooled))) * self.gain
        if self.residual:
            out = out + weights @ features[..., -self.d_model :]  # + (weighted) mean embedding
        return out


def attend(weights: torch.Tensor, score: torch.Tensor) -> torch.Tensor:
    """Window weights re-weighted by `score`: softmax of the scores within each window.

    Args:
        weights: `(batch, slots, longest)` mean-pooling weights (uniform within a window,
            0 outside it; all 0 for slots past a span's count), see `window_weights`.
        score: `(batch, longest)`, one score per token.

    Returns:
        `(batch, slots, longest)`: each window's rows sum to 1 (empty slots stay 0); equal to
        `weights` when the scores within every window are equal.
    """
    inside = weights > 0
    lowest = torch.finfo(score.dtype).min  # not -inf: an empty slot's softmax stays finite
    logits = score[:, None, :].expand_as(weights).masked_fill(~inside, lowest)
    return torch.softmax(logits, dim=-1) * inside.any(dim=-1, keepdim=True)
