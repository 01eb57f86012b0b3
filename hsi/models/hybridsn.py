"""HybridSN: a 3-D then 2-D convolutional network for hyperspectral patches.

Roy, Krishna, Dubey, Chaudhuri, "HybridSN: Exploring 3-D-2-D CNN Feature Hierarchy for
Hyperspectral Image Classification", IEEE Geoscience and Remote Sensing Letters 17(2), 2020,
arXiv:1902.06701.

Layers as in the paper (Table 1, Indian Pines: 25x25 windows of 30 PCA components):
Conv3d 8@7x3x3, 16@5x3x3, 32@3x3x3 (spectral x spatial kernels, no padding), the spectral
axis folded into channels, Conv2d 64@3x3, Dense 256, Dropout 0.4, Dense 128, Dropout 0.4,
Dense classes; ReLU throughout. 5,122,176 parameters for 16 classes.
"""

from __future__ import annotations

import torch
from torch import nn

# (out_channels, spectral kernel) of the three 3-D convolutions; spatial kernels are 3x3.
CONV3D_STACK = ((8, 7), (16, 5), (32, 3))
CONV2D_CHANNELS = 64


def min_input_size() -> tuple[int, int]:
    """Smallest (bands, window) that leaves at least one output of every convolution."""
    bands = sum(k - 1 for _, k in CONV3D_STACK) + 1
    window = 2 * (len(CONV3D_STACK) + 1) + 1
    return bands, window


class HybridSN(nn.Module):
    """HybridSN for ``(N, 1, bands, window, window)`` inputs; returns ``(N, num_classes)`` logits.

    Args:
        in_bands: spectral depth of the input (PCA components).
        window: spatial side of the input patch.
        num_classes: number of output classes.
        dropout: dropout after each of the two hidden dense layers (0.4 in the paper).
    """

    def __init__(self, in_bands: int, window: int, num_classes: int, dropout: float = 0.4) -> None:
        super().__init__()
        min_bands, min_window = min_input_size()
        if in_bands < min_bands:
            raise ValueError(
                f"HybridSN needs at least {min_bands} spectral bands (its 3-D kernels span "
                f"{'+'.join(str(k) for _, k in CONV3D_STACK)}), got {in_bands}"
            )
        if window < min_window:
            raise ValueError(f"HybridSN needs windows of at least {min_window}x{min_window}, got {window}")
        if num_classes < 2:
            raise ValueError(f"HybridSN needs at least 2 classes, got {num_classes}")
        self.in_bands, self.window, self.num_classes = in_bands, window, num_classes

        layers: list[nn.Module] = []
        channels, depth = 1, in_bands
        for out_channels, spectral in CONV3D_STACK:
            layers += [nn.Conv3d(channels, out_channels, (spectral, 3, 3)), nn.ReLU(inplace=True)]
            channels, depth = out_channels, depth - spectral + 1
        self.spectral_spatial = nn.Sequential(*layers)
        spatial = window - 2 * len(CONV3D_STACK)
        self.spatial = nn.Sequential(
            nn.Conv2d(channels * depth, CONV2D_CHANNELS, 3), nn.ReLU(inplace=True)
        )
        spatial -= 2
        self.head = nn.Sequential(
            nn.Flatten(),
            nn.Linear(CONV2D_CHANNELS * spatial * spatial, 256), nn.ReLU(inplace=True), nn.Dropout(dropout),
            nn.Linear(256, 128), nn.ReLU(inplace=True), nn.Dropout(dropout),
            nn.Linear(128, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.spectral_spatial(x)
        n, c, d, h, w = x.shape
        # Fold the remaining spectral axis into channels for the 2-D convolution.
        x = self.spatial(x.reshape(n, c * d, h, w))
        return self.head(x)
