"""Batch norm whose training statistics over a tile are those over the windows the tile holds.

Window by window, a batch norm layer in training normalises with the mean and variance of its
batch: every position of every window's map, each window counted on its own. A tile of the scene
holds many windows that overlap, so the plain statistics of the tile's map weigh every position
once, where the windows would weigh it as often as windows cover it, and they take in positions
no window covers. Weighing each position of the tile's map by the number of the batch's windows
that hold it gives back exactly the windows' mean, variance and running averages (Ioffe and
Szegedy, "Batch Normalization", ICML 2015, define them over the batch's values; this counts each
value as often as the window batch holds it). So a batch-norm network trains on tiles with the
loss and gradients of its window batches (``tests/test_tiles.py`` checks them in float64), and
in evaluation, with running statistics, the layer is the plain per-channel affine map.

The training code says which windows a step holds with :func:`counting_windows`; without it
(window batches, evaluation) the layer is ``nn.BatchNorm3d``, with the same parameters and buffers.
"""

from __future__ import annotations

from contextlib import contextmanager

import torch
from torch import nn


class WindowBatchNorm3d(nn.BatchNorm3d):
    """``nn.BatchNorm3d`` that, while :func:`counting_windows` is in force, takes its training statistics
    over the windows of a batch of tiles instead of over the tiles' maps."""

    def __init__(self, num_features: int, **kwargs) -> None:
        super().__init__(num_features, **kwargs)
        self.window_counts: torch.Tensor | None = None  # (N, side, side): windows starting at each position

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.window_counts is None or not self.training:
            return super().forward(x)
        values = x.to(torch.promote_types(x.dtype, torch.float32))  # statistics in float32 at least
        weight = _coverage(self.window_counts.to(x.device, values.dtype), x.shape[-2:])[:, None, None]
        count = weight.sum() * x.shape[2]  # positions, counted as the window batch counts them
        dims = (0, 2, 3, 4)
        mean = (values * weight).sum(dims) / count
        centred = values - mean[None, :, None, None, None]
        variance = (centred.square() * weight).sum(dims) / count
        if self.track_running_stats:
            self._update_running(mean, variance, count)
        out = centred * torch.rsqrt(variance + self.eps)[None, :, None, None, None]
        if self.affine:
            out = out * self.weight[None, :, None, None, None] + self.bias[None, :, None, None, None]
        return out.to(x.dtype)

    @torch.no_grad()
    def _update_running(self, mean: torch.Tensor, variance: torch.Tensor, count: torch.Tensor) -> None:
        """What ``nn.BatchNorm3d`` does with a batch's statistics: the unbiased variance, and the momentum
        (or, with ``momentum=None``, the running average over all batches so far)."""
        self.num_batches_tracked.add_(1)
        momentum = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
        unbiased = variance * count / (count - 1)
        self.running_mean.lerp_(mean.to(self.running_mean.dtype), momentum)
        self.running_var.lerp_(unbiased.to(self.running_var.dtype), momentum)


def _coverage(window_counts: torch.Tensor, shape: torch.Size) -> torch.Tensor:
    """How many windows hold each position of a map of ``shape``: ``(N, h, w)``.

    The maps of a tile of output side ``S`` are ``S - 1`` wider than one window's map at the same
    depth (convolutions without padding shrink both alike), so a window starting at ``(r, c)`` holds
    the square of side ``h - S + 1`` from ``(r, c)``: the counts spread over that square.
    """
    tiles, side, _ = window_counts.shape
    span = shape[0] - side + 1
    if span < 1 or shape[0] != shape[1]:
        raise ValueError(f"a map of {tuple(shape)} cannot hold the windows of tiles of side {side}")
    box = torch.ones(1, 1, span, span, dtype=window_counts.dtype, device=window_counts.device)
    with torch.autocast(window_counts.device.type, enabled=False):  # counts stay exact integers
        return nn.functional.conv_transpose2d(window_counts[:, None], box)[:, 0]


def has_window_statistics(model: nn.Module) -> bool:
    """Whether every batch norm layer of ``model`` can take its statistics over windows of tiles."""
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    return all(isinstance(m, WindowBatchNorm3d) for m in norms)


@contextmanager
def counting_windows(model: nn.Module, tiles: int, side: int, tile: torch.Tensor, row: torch.Tensor, col: torch.Tensor):
    """While in force, ``model``'s :class:`WindowBatchNorm3d` layers take their training statistics over the
    windows of pixels ``(tile, row, col)`` of ``tiles`` tiles of output side ``side``. Nothing is counted for a
    model without such layers, or in evaluation, where the layers use their running statistics."""
    layers = [m for m in model.modules() if isinstance(m, WindowBatchNorm3d) and m.training]
    if not layers:
        yield
        return
    counts = torch.zeros(tiles, side, side, dtype=torch.float64)
    counts.index_put_((tile.cpu(), row.cpu(), col.cpu()), torch.ones(len(tile), dtype=torch.float64), accumulate=True)
    for layer in layers:
        layer.window_counts = counts
    try:
        yield
    finally:
        for layer in layers:
            layer.window_counts = None
