"""Class and probability of every pixel of a scene, by the fastest exact path the model allows.

``dense``: the whole padded scene goes through the network once (in row tiles), sharing the
convolutions of overlapping windows; see :meth:`hsi.models.HybridSN.forward_dense`.
``shared``: for models whose attention pools over each window (SE, CBAM): the layers before
the first attention run once over the tile (their outputs are the same for every window that
covers a position), then each window's footprint is cut from that map and only the rest of the
network runs per window; see :meth:`hsi.models.HybridSN.trunk`.
``windows``: windows gathered in batches from the padded tensor (any patch model).

Test-time augmentation (``tta``) turns the whole padded scene by each of the eight symmetries of
the square, predicts it by the same path, and turns the map back: the window around a pixel of
the turned scene is the turned window around the same pixel, because the padding is the same on
every side. So the dense path stays dense, and the result equals the window path's views.
"""

from __future__ import annotations

import torch
from torch import nn
from tqdm import tqdm

from hsi.models.sharing import sharing
from hsi.patches import PatchSampler
from hsi.train import dihedral
from hsi.train.precision import autocast

PATHS = ("auto", "dense", "shared", "windows")


@torch.no_grad()
def window_logits(
    model: nn.Module,
    sampler: PatchSampler,
    pixels,
    batch_size: int,
    precision: str,
    device: torch.device,
    progress: str | None = None,
    tta: bool = False,
) -> torch.Tensor:
    """Logits ``(N, K)`` (float32, CPU) of the windows around flat pixel indices, in batches.

    ``progress`` names a progress bar (on a terminal only) for long passes such as a whole scene.
    With ``tta`` the logits are the log of the mean softmax over the eight views of each window.
    """
    out = []
    batches = torch.as_tensor(pixels, dtype=torch.long).split(batch_size)
    for batch in tqdm(batches, desc=progress, unit="batch", disable=None if progress else True, leave=False):
        windows = sampler(batch).to(device, non_blocking=True)
        with autocast(precision, device):
            if tta:
                views = [model(dihedral.apply(windows, k)).float().softmax(1) for k in range(dihedral.ORDER)]
                out.append(mean_probability_logits(views).cpu())
            else:
                out.append(model(windows).float().cpu())
    return torch.cat(out) if out else torch.empty(0, 0)


def mean_probability_logits(probabilities: list[torch.Tensor]) -> torch.Tensor:
    """Logits whose softmax is the mean of ``probabilities``: the log of that mean."""
    mean = torch.stack(probabilities).mean(0)
    return mean.clamp_min(torch.finfo(mean.dtype).tiny).log()


def choose_path(model: nn.Module, path: str = "auto") -> str:
    if path not in PATHS:
        raise ValueError(f"path must be one of {', '.join(PATHS)}, got '{path}'")
    shares = sharing(model)
    dense_ok, shared_ok = shares.dense, shares.trunk
    if path == "dense" and not dense_ok:
        raise ValueError(f"{type(model).__name__} with this configuration has no exact dense path")
    if path == "shared" and not shared_ok:
        raise ValueError(f"{type(model).__name__} has no trunk to share between windows")
    if path == "auto":
        return "dense" if dense_ok else "shared" if shared_ok else "windows"
    return path


def _shared_rows(model: nn.Module, tile: torch.Tensor, batch_size: int) -> torch.Tensor:
    """Logits ``(K, h, W)`` of a row tile: the trunk once, then each window's footprint through the head."""
    trunk = model.trunk(tile)[0]  # (C, h + side - 1, W + side - 1)
    side = model.trunk_side()
    footprints = trunk.unfold(1, side, 1).unfold(2, side, 1)  # (C, h, W, side, side), a view
    rows, cols = footprints.shape[1], footprints.shape[2]
    flat = footprints.permute(1, 2, 0, 3, 4).reshape(rows * cols, trunk.shape[0], side, side)
    logits = torch.cat(
        [model.head(flat[i : i + batch_size].contiguous()).float() for i in range(0, rows * cols, batch_size)]
    )
    return logits.reshape(rows, cols, -1).permute(2, 0, 1)


@torch.no_grad()
def predict_logits(
    model: nn.Module,
    padded: torch.Tensor,
    window: int,
    path: str = "auto",
    batch_size: int = 1024,
    tile_rows: int = 128,
    precision: str = "fp32",
    device: torch.device | str = "cpu",
    tta: bool = False,
) -> torch.Tensor:
    """Logits ``(H, W, K)`` (float32, CPU) for every pixel of the scene padded to ``padded`` ``(B, H+2m, W+2m)``.

    The dense and shared paths run ``tile_rows`` output rows per pass: each pass also computes the
    ``window - 1`` rows of its halo, so short passes repeat work (with 25x25 windows, 32 rows cost
    1.75x the 3-D stack of one pass), and long ones hold more memory. 128 rows was the fastest and
    leanest of 32-256 on a 256 x 256 tile (studies/history/speed.md). With ``tta``, the log of the mean softmax
    over the scene's eight flipped and rotated views.
    """
    path = choose_path(model, path)
    options = {"batch_size": batch_size, "tile_rows": tile_rows, "precision": precision, "device": torch.device(device)}
    if not tta:
        return _logits(model, padded, window, path, **options)
    views = []
    for k in range(dihedral.ORDER):
        turned = _logits(model, dihedral.apply(padded, k).contiguous(), window, path, **options)  # (H', W', K)
        views.append(dihedral.invert(turned.permute(2, 0, 1), k).softmax(0))
    return mean_probability_logits(views).permute(1, 2, 0).contiguous()


@torch.no_grad()
def _logits(model: nn.Module, padded: torch.Tensor, window: int, path: str, batch_size, tile_rows, precision, device):
    """:func:`predict_logits` by one path, without views."""
    was_training = model.training
    model.eval()
    margin = window // 2
    height, width = padded.shape[1] - 2 * margin, padded.shape[2] - 2 * margin
    try:
        if path in ("dense", "shared"):
            rows = []
            for top in tqdm(
                range(0, height, tile_rows), desc="predict every pixel", unit="tile", disable=None, leave=False
            ):
                bottom = min(height, top + tile_rows)
                # output rows top..bottom-1 need padded rows top..bottom-1+2m
                tile = padded[:, top : bottom + 2 * margin].to(device)[None, None]
                with autocast(precision, device):
                    out = model.forward_dense(tile)[0] if path == "dense" else _shared_rows(model, tile, batch_size)
                    rows.append(out.float().cpu())
            return torch.cat(rows, dim=1).permute(1, 2, 0).contiguous()
        sampler = PatchSampler(padded, window, width)
        logits = window_logits(
            model, sampler, torch.arange(height * width), batch_size, precision, device, progress="predict every pixel"
        )
        return logits.reshape(height, width, -1)
    finally:
        model.train(was_training)


def predict_scene(model: nn.Module, padded: torch.Tensor, window: int, **kwargs) -> tuple[torch.Tensor, torch.Tensor]:
    """``(labels (H, W) int64 zero-based, probabilities (H, W, K) float32)`` for every pixel."""
    probabilities = predict_logits(model, padded, window, **kwargs).softmax(-1)
    return probabilities.argmax(-1), probabilities
