"""Cheaper stand-ins for HybridSN's 2-D convolution.

Depthwise-separable convolution: Howard et al., "MobileNets: Efficient Convolutional Neural
Networks for Mobile Vision Applications", 2017, arXiv:1704.04861 (a depthwise KxK convolution
per input channel, then a pointwise 1x1 convolution; cost DK*DK*M*DF*DF + M*N*DF*DF).

Grouped convolution with channel shuffle: ShuffleNet (Zhang et al. 2018, arXiv:1707.01083).
"""

from __future__ import annotations

import torch
from torch import nn

from hsi.models.layers.activations import create_act
from hsi.models.layers.channel_shuffle import channel_shuffle


class DepthwiseSeparableConv2d(nn.Module):
    """Depthwise ``kernel_size`` convolution -> activation -> pointwise 1x1 convolution (no padding)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, act_layer: str = "relu") -> None:
        super().__init__()
        self.depthwise = nn.Conv2d(in_channels, in_channels, kernel_size, groups=in_channels)
        self.act = create_act(act_layer)
        self.pointwise = nn.Conv2d(in_channels, out_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pointwise(self.act(self.depthwise(x)))


class GroupedShuffleConv2d(nn.Module):
    """A convolution in ``groups`` groups (1/groups of the weights), then a channel shuffle."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, groups: int = 4) -> None:
        super().__init__()
        for name, channels in (("input", in_channels), ("output", out_channels)):
            if channels % groups:
                raise ValueError(f"{name} channels ({channels}) must divide into {groups} groups")
        self.groups = groups
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, groups=groups)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return channel_shuffle(self.conv(x), self.groups)
