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

from hsi.errors import UserError
from hsi.models.sharing import Sharing
from hsi.models.spectral_cnn import HuSpectralNet

SPATIAL_CONVS = 2  # 3x3 convolutions without padding: each takes a pixel off every side


class SpectralFirstNet(nn.Module):
    """``(N, 1, bands, window, window)`` windows to ``(N, num_classes)`` logits.

    The convolutions do not pad, so a window is the same function as the scene around it: the
    :meth:`trunk` (both branches, every pixel) runs once over a tile or a scene, and the :meth:`head`
    reads each window's footprint on it (tile training and shared prediction, :mod:`hsi.models.sharing`).

    Args:
        in_bands, window, num_classes: given by the pipeline like every model; ``window`` at least 5.
        spatial_channels: channels of the spatial branch (its band projection has half as many).
        dropout: on the joined features, before the output layer.
    """

    supports_dense = True  # the head is a crop, a mean and a dense layer: convolutions over the trunk's map

    def __init__(
        self, in_bands: int, window: int, num_classes: int, spatial_channels: int = 16, dropout: float = 0.4
    ) -> None:
        super().__init__()
        if window < 2 * SPATIAL_CONVS + 1:
            raise UserError(
                f"model=spectral_first needs windows of at least {2 * SPATIAL_CONVS + 1}x{2 * SPATIAL_CONVS + 1} "
                f"(its two 3x3 convolutions do not pad), not {window}x{window}; set preprocess.window=5 or more."
            )
        self.window = window
        hu = HuSpectralNet(in_bands, num_classes)
        self.hidden = hu.head[1].out_features
        self.spectral = hu.encoder()  # (N, bands) -> (N, hidden); its output layer is not used
        projected = max(1, spatial_channels // 2)
        self.spatial = nn.Sequential(
            nn.Conv2d(in_bands, projected, 1),
            nn.ReLU(),
            nn.Conv2d(projected, spatial_channels, 3),
            nn.ReLU(),
            nn.Conv2d(spatial_channels, spatial_channels, 3),
            nn.ReLU(),
        )
        self.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(self.hidden + spatial_channels, num_classes))

    def trunk(self, x: torch.Tensor) -> torch.Tensor:
        """Both branches at every pixel of ``(N, 1, bands, H, W)``: ``(N, hidden + channels, H - 4, W - 4)``,
        the spectral features of each pixel beside the spatial features around it."""
        x = x[:, 0]
        n, bands, height, width = x.shape
        spectra = x.permute(0, 2, 3, 1).reshape(-1, bands)
        spectral = self.spectral(spectra).reshape(n, height, width, self.hidden).permute(0, 3, 1, 2)
        crop = SPATIAL_CONVS
        return torch.cat([spectral[:, :, crop:-crop, crop:-crop], self.spatial(x)], dim=1)

    def head(self, x: torch.Tensor) -> torch.Tensor:
        """Logits from footprints ``(N, hidden + channels, side, side)``: the centre pixel's spectral features
        and the mean of the spatial features over the footprint."""
        centre = x.shape[-1] // 2
        return self._join(x[:, : self.hidden, centre, centre], x[:, self.hidden :].mean(dim=(2, 3)))

    def _join(self, spectral: torch.Tensor, spatial: torch.Tensor) -> torch.Tensor:
        """Logits from one window's spectral features ``(N, hidden)`` and mean spatial features ``(N, channels)``."""
        return self.classifier(torch.cat([spectral, spatial], dim=1))

    def trunk_side(self) -> int:
        return self.window - 2 * SPATIAL_CONVS

    def sharing(self) -> Sharing:
        return Sharing(dense=True, trunk=True, batch_statistics=False)

    def forward_dense(self, padded: torch.Tensor) -> torch.Tensor:
        """Logits of every window of a padded scene at once: ``(1, 1, bands, H+w-1, W+w-1)`` -> ``(1, K, H, W)``.

        The head's centre pixel is a crop of the trunk's map, its mean a ``side x side`` average pooling,
        and its dense layer a 1x1 convolution, so every window shares the trunk's work."""
        if self.training:
            raise RuntimeError("forward_dense is for inference: call model.eval() first (dropout)")
        x = self.trunk(padded)
        side = self.trunk_side()
        height, width = x.shape[-2] - side + 1, x.shape[-1] - side + 1
        centre = side // 2
        spectral = x[:, : self.hidden, centre : centre + height, centre : centre + width]
        spatial = nn.functional.avg_pool2d(x[:, self.hidden :], side, stride=1)
        linear = self.classifier[1]
        return nn.functional.conv2d(torch.cat([spectral, spatial], 1), linear.weight[:, :, None, None], linear.bias)

    def forward(self, windows: torch.Tensor) -> torch.Tensor:
        """The head on the trunk's footprint, with the spectral branch run on the centre pixel alone (the
        trunk runs it on every pixel, which a single window does not need)."""
        x = windows[:, 0]
        centre = x.shape[-1] // 2
        return self._join(self.spectral(x[:, :, centre, centre]), self.spatial(x).mean(dim=(2, 3)))
