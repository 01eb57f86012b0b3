"""Floating-point operations of one training epoch, window by window against shared tiles.

    python -m benchmarks.shared_flops                    # batch 64 (the default), seed 0's split
    python -m benchmarks.shared_flops --batch-size 64 128 256 --grid-side 8   # also trainer=grid's 8-pixel tiles

The per-window bound of benchmarks/compute_bound.py assumes every window is computed on its own.
This script counts what an epoch of HybridSN training costs under each ``trainer.batches``
(hsi/train/tiles.py), for the default protocol's training pixels (Indian Pines, 10% of each
class, split seed 0; 25x25 windows of 30 components):

- ``windows``: each pixel's window, forward and backward;
- ``tiles``: the same random batches, each batch's trunk over the tiles that hold its pixels (the
  tile side the trainer would choose), the head per pixel;
- ``grid``: whole grid cells as batches, every tile once an epoch.

The operations of one tile's trunk and of one pixel's head are counted once by
``torch.utils.flop_counter.FlopCounterMode`` (forward and backward, a multiply-accumulate counts
2); an epoch's count multiplies them by the tiles and pixels of that epoch's batches, drawn as the
trainer draws them. Dividing by a CPU's best float32 rate (benchmarks/compute_bound.py) gives the
least time any implementation of that batching needs. It prints one JSON report.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import torch
from torch.utils.flop_counter import FlopCounterMode

from hsi.data import indian_pines
from hsi.models import HybridSN
from hsi.splits import stratified_fraction_split
from hsi.train import tiles

WINDOW, COMPONENTS, CLASSES = 25, 30, 16


def counted(fn) -> int:
    counter = FlopCounterMode(display=False)
    with counter:
        fn()
    return counter.get_total_flops()


def window_flops(model: HybridSN) -> int:
    """Forward and backward of one window through the whole network."""
    x = torch.randn(1, 1, COMPONENTS, WINDOW, WINDOW)
    return counted(lambda: model(x).sum().backward())


def trunk_flops(model: HybridSN, side: int) -> int:
    """Forward and backward of the trunk over one tile of ``side`` output pixels (with its halo)."""
    x = torch.randn(1, 1, COMPONENTS, side + WINDOW - 1, side + WINDOW - 1)
    return counted(lambda: model.trunk(x).sum().backward())


def head_flops(model: HybridSN) -> int:
    """Forward and backward of the head for one pixel's footprint (its input needs a gradient too)."""
    side = model.trunk_side()
    x = torch.randn(1, 64, side, side, requires_grad=True)
    return counted(lambda: model.head(x).sum().backward())


def epoch_tiles(batches: str, pixels: torch.Tensor, shape, side: int, batch_size: int, seed: int) -> int:
    """How many tiles the trunk runs over in one epoch, drawn as the trainer draws its batches."""
    generator = torch.Generator().manual_seed(seed)
    drawn = tiles.epoch_batches(pixels, shape, side, batch_size, batches == "grid", generator)
    return sum(len(b.corners) for b in drawn)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--batch-size", type=int, nargs="+", default=[64])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=3, help="epochs drawn per batching (their mean is reported)")
    parser.add_argument(
        "--grid-side", type=int, nargs="*", default=[], help="grid: these sides too, besides the chosen"
    )
    args = parser.parse_args()
    scene = indian_pines(root=args.data_root).load()
    split = stratified_fraction_split(scene.gt, seed=args.seed, train_fraction=0.1, val_fraction=0.05)
    pixels = torch.as_tensor(split.train, dtype=torch.long)
    torch.manual_seed(0)
    model = HybridSN(COMPONENTS, WINDOW, CLASSES).train()
    per_window, per_head = window_flops(model), head_flops(model)
    trunk_cache: dict[int, int] = {}
    report = {"train_pixels": len(pixels), "gflop_per_window": per_window / 1e9, "gflop_per_head": per_head / 1e9}
    rows = []
    for batch_size in args.batch_size:
        windows = len(pixels) * per_window
        rows.append({"batch_size": batch_size, "batches": "windows", "tflop_per_epoch": windows / 1e12, "fewer": 1.0})
        chosen_grid = tiles.auto_grid_side(pixels, scene.shape, -(-len(pixels) // batch_size))
        plans = [("tiles", tiles.auto_side(pixels, scene.shape, batch_size, WINDOW)), ("grid", chosen_grid)]
        plans += [("grid", side) for side in args.grid_side if side != chosen_grid]
        for batches, side in plans:
            if side not in trunk_cache:
                trunk_cache[side] = trunk_flops(model, side)
            count = np.mean(
                [epoch_tiles(batches, pixels, scene.shape, side, batch_size, e) for e in range(args.epochs)]
            )
            flops = count * trunk_cache[side] + len(pixels) * per_head
            rows.append(
                {
                    "batch_size": batch_size,
                    "batches": batches,
                    "tile_side": side,
                    "tiles_per_epoch": float(count),
                    "tflop_per_epoch": flops / 1e12,
                    "fewer": windows / flops,
                }
            )
    report["epochs"] = rows
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
