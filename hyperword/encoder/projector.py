"""The per-level projector: pooled frozen features -> one soft token in the embedding space."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["Projector"]


class Projector(nn.Module):
    """Standardise, LayerNorm, a two-layer MLP, then a LayerNorm and a per-dimension gain.

    Hidden states of models like Gemma have a few dimensions thousands of times larger than
    the rest and nearly constant across tokens; a LayerNorm over raw features would see only
    those, and every window would map to the same soft token. So each input dimension is
    first standardised with statistics measured on training spans (`set_feature_stats`,
    saved with the weights). The output norm and gain keep soft tokens at the scale of the
    base model's input rows (`embed_rms`, the root mean square of one embedding coordinate).

    With `residual`, the last `d_model` input dimensions are the window's mean input
    embedding (the `embedding` feature) and the soft token is that mean plus the MLP's output,
    whose gain starts at a tenth of the embedding scale. Measured: a decoder trained for 400
    steps against a projector alone learned to ignore it (held-out answer loss 3.25 with the
    right passage's scene tokens, 3.29 with another passage's); the mean embedding of 8 tokens
    is readable by the untuned base model from the start (a gap of 0.14 nats), so training
    refines something the decoder already uses.
    """

    def __init__(
        self,
        in_dim: int,
        hidden: int,
        d_model: int,
        *,
        embed_rms: float = 1.0,
        residual: bool = False,
    ):
        super().__init__()
        if residual and in_dim < d_model:
            raise ValueError(f"a residual projector needs >= {d_model} input dims, got {in_dim}")
        self.residual = residual
        self.d_model = d_model
        self.register_buffer("feature_mean", torch.zeros(in_dim))
        self.register_buffer("feature_std", torch.ones(in_dim))
        self.in_norm = nn.LayerNorm(in_dim)
        self.mlp = nn.Sequential(nn.Linear(in_dim, hidden), nn.GELU(), nn.Linear(hidden, d_model))
        self.out_norm = nn.LayerNorm(d_model, elementwise_affine=False)
        start = 0.1 * embed_rms if residual else embed_rms
        self.gain = nn.Parameter(torch.full((d_model,), float(start)))

    @torch.no_grad()
    def set_feature_stats(self, features: torch.Tensor) -> None:
        """Per-dimension mean and standard deviation of `(n, in_dim)` training features."""
        self.feature_mean.copy_(features.mean(dim=0))
        self.feature_std.copy_(features.std(dim=0).clamp(min=1e-3))

    def forward(self, pooled: torch.Tensor) -> torch.Tensor:
        # (..., in_dim) -> (..., d_model)
        standard = (pooled - self.feature_mean) / self.feature_std
        out = self.out_norm(self.mlp(self.in_norm(standard))) * self.gain
        return out + pooled[..., -self.d_model :] if self.residual else out
