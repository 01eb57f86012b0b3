"""Residual units for HybridSN's 2-D part, each with one 3x3 convolution and no padding.

Without padding a unit treats every position alike, so the network stays a convolution over the
scene (the dense and shared map paths stay exact) and the 2-D part shrinks the map by 2 pixels,
as the paper's single 3x3 convolution does. The shortcut is the unit's input cropped to the
output's size (the centre: the positions the 3x3 convolution is centred on).

- :class:`ResNeXtBlock`: Xie, Girshick, Dollar, Tu, He, "Aggregated Residual Transformations for
  Deep Neural Networks" (ResNeXt), CVPR 2017, arXiv:1611.05431: 1x1, grouped 3x3 (cardinality
  groups), 1x1, identity shortcut; with ``se``, a Squeeze-and-Excitation on the residual branch
  before the addition (SE-ResNeXt, Hu et al. 2018, arXiv:1709.01507).
- :class:`InvertedResidual`: Sandler et al., "MobileNetV2: Inverted Residuals and Linear
  Bottlenecks", CVPR 2018, arXiv:1801.04381: 1x1 expansion, ReLU6, depthwise 3x3, ReLU6, linear
  1x1 projection, identity shortcut (the shapes match: stride 1, channels in = out).
- :class:`ShuffleV2Unit`: Ma, Zhang, Zheng, Sun, "ShuffleNet V2: Practical Guidelines for
  Efficient CNN Architecture Design", ECCV 2018, arXiv:1807.11164, stride-1 unit: channel split
  in halves, one half through 1x1, depthwise 3x3, 1x1 (equal widths: guideline G1), the other
  kept, concatenation (no element-wise addition: G4), channel shuffle of 2 groups.
"""

from __future__ import annotations

import torch
from torch import nn

from hsi.models.layers.activations import create_act
from hsi.models.layers.channel_shuffle import channel_shuffle
from hsi.models.layers.squeeze_excite import SqueezeExcite


def center_crop(x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """The central positions of an ``(N, C, H, W)`` map, as many rows and columns as ``like`` has."""
    height, width = like.shape[-2:]
    top, left = (x.shape[-2] - height) // 2, (x.shape[-1] - width) // 2
    return x[..., top : top + height, left : left + width]


class ResNeXtBlock(nn.Module):
    """crop(x) + 1x1 -> grouped 3x3 -> 1x1 (x), optionally with SE on the residual branch.

    ResNeXt's activation after the addition is the one HybridSN applies after its 2-D part.
    """

    def __init__(
        self,
        channels: int,
        cardinality: int = 8,
        act_layer: str = "relu",
        se: bool = False,
        gate_layer: str = "sigmoid",
    ) -> None:
        super().__init__()
        if channels % cardinality:
            raise ValueError(f"channels ({channels}) must divide into cardinality {cardinality} groups")
        self.branch = nn.Sequential(
            nn.Conv2d(channels, channels, 1),
            create_act(act_layer),
            nn.Conv2d(channels, channels, 3, groups=cardinality),
            create_act(act_layer),
            nn.Conv2d(channels, channels, 1),
        )
        self.se = SqueezeExcite(channels, 1 / 4, gate_layer=gate_layer) if se else nn.Identity()
        self.pools_over_window = se  # SE pools over the whole map: not the same for every window

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        residual = self.se(self.branch(x))
        return center_crop(x, residual) + residual

    def before_pooling(self, x: torch.Tensor) -> torch.Tensor:
        """The shortcut and the branch before SE, stacked on the channels: convolutions only, so one pass
        over a whole scene serves every window (the part of the unit that full-scene prediction shares)."""
        branch = self.branch(x)
        return torch.cat([center_crop(x, branch), branch], dim=1)

    def after_pooling(self, stacked: torch.Tensor) -> torch.Tensor:
        """The rest of :meth:`forward` from :meth:`before_pooling`'s output: SE on the branch, the addition."""
        shortcut, branch = stacked.chunk(2, dim=1)
        return shortcut + self.se(branch)


class InvertedResidual(nn.Module):
    """crop(x) + project(ReLU6(depthwise 3x3(ReLU6(expand(x))))), with a linear projection."""

    pools_over_window = False

    def __init__(self, channels: int, expansion: int = 6) -> None:
        super().__init__()
        hidden = channels * expansion
        self.branch = nn.Sequential(
            nn.Conv2d(channels, hidden, 1),
            create_act("relu6"),
            nn.Conv2d(hidden, hidden, 3, groups=hidden),
            create_act("relu6"),
            nn.Conv2d(hidden, channels, 1),  # linear: no activation on the bottleneck
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        residual = self.branch(x)
        return center_crop(x, residual) + residual


class ShuffleV2Unit(nn.Module):
    """Split channels in halves; concat(crop(half 1), 1x1 -> depthwise 3x3 -> 1x1 (half 2)); shuffle."""

    pools_over_window = False

    def __init__(self, channels: int, act_layer: str = "relu") -> None:
        super().__init__()
        if channels % 2:
            raise ValueError(f"a ShuffleNet V2 unit splits its channels in halves; {channels} is odd")
        half = channels // 2
        self.branch = nn.Sequential(
            nn.Conv2d(half, half, 1),
            create_act(act_layer),
            nn.Conv2d(half, half, 3, groups=half),
            nn.Conv2d(half, half, 1),
            create_act(act_layer),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        kept, transformed = x.chunk(2, dim=1)
        transformed = self.branch(transformed)
        return channel_shuffle(torch.cat([center_crop(kept, transformed), transformed], dim=1), 2)
