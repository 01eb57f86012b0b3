"""Windows around pixels, cut for a whole batch at once from one padded tensor.

The common notebook materialises every patch (10249 x 25 x 25 x 30 float64, about 1.5 GB
for Indian Pines). Here the padded cube is held once and each batch gathers its windows
with a single ``index_select``: no per-sample Python loop, no copies beyond the batch.
"""

from __future__ import annotations

import numpy as np
import torch


class PatchSampler:
    """Cuts ``window x window`` patches centred on scene pixels from a padded ``(K, H+2m, W+2m)`` tensor.

    Args:
        padded: the padded cube, bands first (see :func:`hsi.preprocess.pad_cube`).
        window: odd window side; the padding margin must be ``window // 2``.
        scene_width: width ``W`` of the unpadded scene, to turn flat pixel indices into rows/cols.
    """

    def __init__(self, padded: torch.Tensor, window: int, scene_width: int) -> None:
        if window % 2 != 1:
            raise ValueError(f"window must be odd, got {window}")
        self.window = window
        self.margin = window // 2
        self.scene_width = scene_width
        bands, hp, wp = padded.shape
        if wp != scene_width + 2 * self.margin:
            raise ValueError(f"padded width {wp} does not match scene width {scene_width} + 2*{self.margin}")
        self.bands = bands
        self.padded_width = wp
        self.padded = padded  # tile batches cut whole tiles from it (hsi.train.tiles)
        self.scene_shape = (hp - 2 * self.margin, scene_width)
        self._flat = padded.reshape(bands, hp * wp)
        # Offsets of the window's pixels relative to its top-left corner, in the padded grid.
        rows = torch.arange(window).unsqueeze(1) * wp
        cols = torch.arange(window).unsqueeze(0)
        self._offsets = (rows + cols).reshape(-1)

    def __call__(self, pixels: np.ndarray | torch.Tensor) -> torch.Tensor:
        """Windows for flat scene indices ``pixels`` as ``(N, 1, K, window, window)``.

        The extra axis is the single input channel of the 3-D convolutions.
        """
        pixels = torch.as_tensor(pixels, dtype=torch.long)
        row, col = pixels // self.scene_width, pixels % self.scene_width
        # Pixel (r, c) of the scene sits at (r + m, c + m) of the padded cube, so its window's
        # top-left corner is at (r, c) in padded coordinates.
        corner = row * self.padded_width + col
        index = (corner.unsqueeze(1) + self._offsets.unsqueeze(0)).reshape(-1)
        gathered = self._flat.index_select(1, index)  # (K, N * window * window)
        n = len(pixels)
        return gathered.reshape(self.bands, n, self.window, self.window).transpose(0, 1).unsqueeze(1)
