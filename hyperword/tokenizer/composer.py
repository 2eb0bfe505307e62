"""A learned composer for hyper-embeddings: position-aware weighted pooling of constituents.

The untrained hyper-embedding of a hyperword is the mean of its base tokens' input rows
(`embed_ids`). `HyperwordComposer` generalises it and starts *exactly* as the mean:

    w_k   = softmax_k(position_logits[n, k] + query . e_k / sqrt(d))   # zeros at init
    out   = gain[n] * sum_k w_k (e_k + e_k D_k U_k)                     # U_k = 0, gain = 1

for a hyperword of `n` constituents with rows `e_1..e_n` (position `k`, length `n` capped at
`max_length`). `D_k U_k` is a rank-`rank` per-position correction that lets order matter.
Base ids never go through it: their rows are the embedding layer's own.

Saved as a folder: `config.json` (sorted keys, toolkit version) + `model.safetensors`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from hyperword.config_io import config_from_dict, read_json, save_config
from hyperword.tokenizer.exceptions import CorruptTokenizerError, TokenizerConfigError

__all__ = ["COMPOSER_WEIGHTS", "ComposerConfig", "HyperwordComposer"]

COMPOSER_CONFIG = "config.json"
COMPOSER_WEIGHTS = "model.safetensors"


@dataclass
class ComposerConfig:
    """Shape of a `HyperwordComposer`."""

    d_model: int = field(metadata={"help": "Width of the base model's input embeddings."})
    max_length: int = field(default=8, metadata={"help": "Positions with their own parameters."})
    rank: int = field(default=8, metadata={"help": "Rank of the per-position correction."})
    base_name: str = field(default="", metadata={"help": "Base model it was trained with."})
    kind: str = field(default="hyperword-composer", metadata={"help": "Folder type marker."})
    hyperword_version: str = field(default="", metadata={"help": "Toolkit version that saved."})

    def __post_init__(self) -> None:
        for name in ("d_model", "max_length", "rank"):
            if getattr(self, name) < 1:
                raise TokenizerConfigError(f"{name} must be >= 1, got {getattr(self, name)}")


class HyperwordComposer(nn.Module):
    """Composes a hyperword's input vector from its constituents' rows (the mean at init).

    Args:
        config: Its shape.
    """

    def __init__(self, config: ComposerConfig) -> None:
        super().__init__()
        self.config = config
        n, d, r = config.max_length, config.d_model, config.rank
        self.position_logits = nn.Parameter(torch.zeros(n + 1, n))  # [length, position]
        self.query = nn.Parameter(torch.zeros(d))
        self.down = nn.Parameter(torch.randn(n, d, r) / math.sqrt(d))
        self.up = nn.Parameter(torch.zeros(n, r, d))
        self.gain = nn.Parameter(torch.ones(n + 1))  # per length

    def forward(self, rows: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Compose padded constituent rows.

        Args:
            rows: (n, max_len, d_model) constituent rows, zero-padded after each length.
            lengths: (n,) number of constituents of each hyperword (>= 1).

        Returns:
            (n, d_model) hyper-embeddings.
        """
        n_max, width = self.config.max_length, rows.shape[1]
        positions = torch.arange(width, device=rows.device)
        capped_pos = positions.clamp(max=n_max - 1)  # (width,)
        capped_len = lengths.clamp(max=n_max)  # (n,)
        mask = positions[None, :] < lengths[:, None]  # (n, width)
        logits = self.position_logits[capped_len][:, capped_pos]  # (n, width)
        logits = logits + rows @ self.query.to(rows.dtype) / math.sqrt(rows.shape[-1])
        weights = torch.softmax(logits.masked_fill(~mask, float("-inf")), dim=-1)  # (n, width)
        low = torch.einsum("nwd,wdr->nwr", rows, self.down[capped_pos].to(rows.dtype))
        delta = torch.einsum("nwr,wrd->nwd", low, self.up[capped_pos].to(rows.dtype))
        pooled = (weights.unsqueeze(-1) * (rows + delta)).sum(dim=1)  # (n, d_model)
        return pooled * self.gain[capped_len].to(rows.dtype).unsqueeze(-1)

    def save_pretrained(self, folder: str | Path) -> Path:
        """Write `config.json` and `model.safetensors` into `folder`."""
        from safetensors.torch import save_file

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        save_config(self.config, folder / COMPOSER_CONFIG)
        tensors = {k: v.detach().float().cpu().contiguous() for k, v in self.state_dict().items()}
        save_file(tensors, str(folder / COMPOSER_WEIGHTS))
        return folder

    @classmethod
    def from_pretrained(cls, folder: str | Path) -> HyperwordComposer:
        """Load a saved composer (unknown config keys are dropped with a warning)."""
        from safetensors.torch import load_file

        folder = Path(folder)
        try:
            data = read_json(folder / COMPOSER_CONFIG, error=ValueError, what="composer config")
            config = config_from_dict(ComposerConfig, data, source=str(folder))
            composer = cls(config)
            composer.load_state_dict(load_file(str(folder / COMPOSER_WEIGHTS)))
        except (OSError, ValueError, TypeError, RuntimeError) as error:
            raise CorruptTokenizerError(f"cannot load a composer from {folder}: {error}") from error
        return composer.eval()
