"""Probabilities of chosen pixels (validation, test) the way the trainer computes them: windows or tiles.

A fit with tile batches also validates and predicts through the tiles that hold the pixels (exact:
the same logits as their windows, :mod:`hsi.train.tiles`); otherwise windows are gathered in batches.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from hsi.patches import PatchSampler
from hsi.train import tiles
from hsi.train.precision import autocast
from hsi.train.predict import window_logits


def pixel_probabilities(
    model: nn.Module,
    sampler: PatchSampler,
    pixels: np.ndarray,
    *,
    batches: str,
    tile_side: int | None,
    batch_size: int,
    precision: str,
    device: torch.device,
    tta: bool = False,
) -> torch.Tensor:
    """Softmax probabilities ``(N, K)`` (float32, on the CPU) of flat pixel indices, in evaluation mode.

    ``batches``: the fit's (``windows``, ``tiles``, ``grid``, ``scene``); ``tile_side``: its tile side (None: chosen
    here for ``pixels``); ``batch_size``: windows (or tile pixels) per forward pass.
    """
    was_training = model.training
    model.eval()
    if batches != "windows":
        # A scene fit's crop would compute the whole scene for every pass of ``batch_size`` pixels: any side
        # gives the same logits in evaluation, so take the cheapest for these pixels.
        side = tile_side if batches != "scene" else None
        side = side or tiles.auto_side(pixels, sampler.scene_shape, batch_size, sampler.window)
        with autocast(precision, device):
            logits = tiles.pixel_logits(model, sampler, pixels, side, batch_size, tta).float().cpu()
    else:
        logits = window_logits(model, sampler, pixels, batch_size, precision, device, tta=tta)
    model.train(was_training)
    return logits.softmax(1)
