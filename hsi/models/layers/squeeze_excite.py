"""Squeeze-and-Excitation: channel-wise rescaling learnt from globally pooled features.

Hu, Shen, Sun, "Squeeze-and-Excitation Networks", CVPR 2018, arXiv:1709.01507 (reduction 16);
MobileNetV3 (Howard et al. 2019) uses reduction 4 with a hard-sigmoid gate.
"""

from __future__ import annotations

import torch
from torch import nn

from hsi.models.layers.activations import create_act


class SqueezeExcite(nn.Module):
    """Global average pool -> FC (C -> C*rd_ratio) -> act -> FC (-> C) -> gate -> rescale.

    Works on any ``(N, C, ...)`` input: the pool runs over every axis after the channels.

    Args:
        channels: input channels C.
        rd_ratio: width of the bottleneck as a fraction of C (1/4 as MobileNetV3, 1/16 as SENet).
        act_layer: activation between the two FC layers.
        gate_layer: ``sigmoid`` or ``hard_sigmoid``.
    """

    def __init__(
        self, channels: int, rd_ratio: float = 1 / 4, act_layer: str = "relu", gate_layer: str = "sigmoid"
    ) -> None:
        super().__init__()
        if not 0 < rd_ratio <= 1:
            raise ValueError(f"rd_ratio must lie in (0, 1], got {rd_ratio}")
        reduced = max(1, int(round(channels * rd_ratio)))
        self.reduce = nn.Linear(channels, reduced)
        self.act = create_act(act_layer)
        self.expand = nn.Linear(reduced, channels)
        self.gate = create_act(gate_layer)

    def gate_values(self, x: torch.Tensor) -> torch.Tensor:
        """The per-channel scale ``(N, C)`` in [0, 1]."""
        squeezed = x.mean(dim=tuple(range(2, x.ndim)))
        return self.gate(self.expand(self.act(self.reduce(squeezed))))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = self.gate_values(x)
        return x * scale.reshape(*scale.shape, *([1] * (x.ndim - 2)))
