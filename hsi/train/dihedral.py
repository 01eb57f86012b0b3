"""The eight symmetries of the square (the dihedral group D4) applied to windows and scenes.

A window of a hyperspectral scene has no preferred orientation: a field seen rotated by 90
degrees or mirrored is the same field. So the eight rotations and reflections of a window are
labels for free in training (augmentation) and eight views to average at prediction
(test-time augmentation). Zhong et al. (2018, SSRN, IEEE TGRS 56(2)) and many later
spectral-spatial networks train with flips and rotations of the patches for this reason.

Element ``k`` (0-7) rotates the last two axes by ``k % 4`` quarter turns (counter-clockwise,
as :func:`torch.rot90`), then mirrors left-right when ``k >= 4``. Every other axis (batch,
bands) is left alone, so one function serves windows ``(N, 1, bands, h, w)`` and padded scenes
``(bands, H, W)`` alike.
"""

from __future__ import annotations

import torch

ORDER = 8


def apply(x: torch.Tensor, k: int) -> torch.Tensor:
    """Element ``k`` of D4 on the last two axes."""
    y = torch.rot90(x, k % 4, dims=(-2, -1))
    return y.flip(-1) if k >= 4 else y


def invert(x: torch.Tensor, k: int) -> torch.Tensor:
    """The inverse of :func:`apply` ``(x, k)``: ``invert(apply(x, k), k) == x``."""
    y = x.flip(-1) if k >= 4 else x
    return torch.rot90(y, -(k % 4), dims=(-2, -1))


def random_views(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Each window of the batch ``(N, ..., s, s)`` under its own element of D4, drawn from ``generator``.

    The windows must be square (a quarter turn of a non-square window changes its shape).
    """
    if x.shape[-1] != x.shape[-2]:
        raise ValueError(f"windows must be square for quarter turns, got {tuple(x.shape[-2:])}")
    elements = torch.randint(0, ORDER, (x.shape[0],), generator=generator)
    out = torch.empty_like(x)
    for k in range(ORDER):
        chosen = (elements == k).nonzero().squeeze(1)
        if len(chosen):
            out[chosen] = apply(x[chosen], k)
    return out
