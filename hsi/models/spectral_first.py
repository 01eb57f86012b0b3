"""A spectral-first network: the 1-D CNN on the centre pixel's spectrum beside a small spatial branch.

After the dual-channel networks of Zhang, Li, Zhang, Shen, "Spectral-spatial classification of
hyperspectral imagery using a dual-channel convolutional neural network", Remote Sensing Letters
8(5), 2017: one branch reads the centre pixel's spectrum with a 1-D convolution, the other its
neighbourhood with 2-D convolutions, and their features are joined before the classifier. Here the
spectral branch is the network of Hu et al. (2015) up to its hidden units (:class:`HuSpectralNet`),
the baseline that holds best on ground no model trained on, and the spatial branch is kept small
(a learnt projection of the bands to a few channels, two 3x3 convolutions and a global average), so
that the window adds what the neighbours look like on average rather than a texture of the training
fields. Meant for windows of every band in order (``preprocess.reduction=bands``), which the 1-D
convolution reads as a spectrum; with PCA components it runs, but convolves along components.
"""

from __future__ import annotations

import torch
from torch import nn

from hsi.models.spectral_cnn import HuSpectralNet


class SpectralFirstNet(nn.Module):
    """``(N, 1, bands, window, window)`` windows to ``(N, num_classes)`` logits.

    Args:
        in_bands, window, num_classes: given by the pipeline like every model.
        spatial_channels: channels of the spatial branch (its band projection has half as many).
        dropout: on the joined features, before the output layer.
    """

    def __init__(
        self, in_bands: int, window: int, num_classes: int, spatial_channels: int = 16, dropout: float = 0.4
    ) -> None:
        super().__init__()
        hu = HuSpectralNet(in_bands, num_classes)
        self.hidden = hu.head[1].out_features
        self.spectral = hu.encoder()  # (N, bands) -> (N, hidden); its output layer is not used
        projected = max(1, spatial_channels // 2)
        self.spatial = nn.Sequential(
            nn.Conv2d(in_bands, projected, 1),
            nn.ReLU(),
            nn.Conv2d(projected, spatial_channels, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(spatial_channels, spatial_channels, 3, padding=1),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(self.hidden + spatial_channels, num_classes))

    def forward(self, windows: torch.Tensor) -> torch.Tensor:
        x = windows[:, 0]  # (N, bands, window, window)
        centre = x.shape[-1] // 2
        spectral = self.spectral(x[:, :, centre, centre])
        return self.classifier(torch.cat([spectral, self.spatial(x)], dim=1))
