"""CBAM: channel attention, then spatial attention.

Woo, Park, Lee, Kweon, "CBAM: Convolutional Block Attention Module", ECCV 2018,
arXiv:1807.06521. Channel attention passes the average- and max-pooled descriptors through
one shared MLP and sums them before the gate; spatial attention concatenates the channel-wise
mean and max maps and convolves them (7x7) into one gated map.
"""

from __future__ import annotations

import torch
from torch import nn

from hsi.models.layers.activations import create_act


class ChannelAttention(nn.Module):
    def __init__(
        self, channels: int, rd_ratio: float = 1 / 16, act_layer: str = "relu", gate_layer: str = "sigmoid"
    ) -> None:
        super().__init__()
        reduced = max(1, int(round(channels * rd_ratio)))
        self.mlp = nn.Sequential(nn.Linear(channels, reduced), create_act(act_layer), nn.Linear(reduced, channels))
        self.gate = create_act(gate_layer)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        avg = self.mlp(x.mean(dim=(2, 3)))
        peak = self.mlp(x.amax(dim=(2, 3)))
        return x * self.gate(avg + peak)[:, :, None, None]


class SpatialAttention(nn.Module):
    def __init__(self, kernel_size: int = 7, gate_layer: str = "sigmoid") -> None:
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError(f"kernel_size must be odd to keep the map's size, got {kernel_size}")
        self.conv = nn.Conv2d(2, 1, kernel_size, padding=kernel_size // 2)
        self.gate = create_act(gate_layer)

    def attention_map(self, x: torch.Tensor) -> torch.Tensor:
        """The one-channel map ``(N, 1, H, W)`` in [0, 1]."""
        pooled = torch.cat([x.mean(dim=1, keepdim=True), x.amax(dim=1, keepdim=True)], dim=1)
        return self.gate(self.conv(pooled))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.attention_map(x)


class CBAM(nn.Module):
    """Channel attention followed by spatial attention on ``(N, C, H, W)`` features."""

    def __init__(
        self,
        channels: int,
        rd_ratio: float = 1 / 16,
        kernel_size: int = 7,
        act_layer: str = "relu",
        gate_layer: str = "sigmoid",
    ) -> None:
        super().__init__()
        self.channel = ChannelAttention(channels, rd_ratio, act_layer, gate_layer)
        self.spatial = SpatialAttention(kernel_size, gate_layer)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.spatial(self.channel(x))
