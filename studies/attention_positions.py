"""Can attention act on positions? SE against CBAM's spatial attention, measured on a trained run.

    python studies/attention_positions.py RUN_DIR      # a finished hsi-train run of model=hybridsn_cbam

SE (Hu et al. 2018) pools each channel over the whole map and multiplies the channel by one
gate, so every position of a window is scaled alike: it can weigh *what* (channels), not *where*.
This is checked on the run's own network by swapping its CBAM for an SE of the same width.
CBAM's spatial attention (Woo et al. 2018) gates each position of the 2-D feature map. The script
feeds the run's test windows through the trained network, takes the spatial map of every window,
and asks whether it differs between positions, whether it favours the centre (the pixel being
classified), and whether it is lower on positions whose ground-truth class differs from the
centre's (a field boundary inside the window). Prints one JSON report.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import torch

from hsi.config import build
from hsi.models.layers import SqueezeExcite
from hsi.patches import PatchSampler
from hsi.preprocess import pad_cube
from hsi.run_dir import RunDir


def spatial_maps(model, windows: torch.Tensor) -> torch.Tensor:
    """CBAM's spatial attention map ``(N, h, w)`` of every window (after the 2-D part)."""
    maps = []
    hook = model.attention_2d.spatial.register_forward_hook(
        lambda module, inputs, output: maps.append(module.attention_map(inputs[0])[:, 0])
    )
    with torch.no_grad():
        for batch in windows.split(256):
            model(batch)
    hook.remove()
    return torch.cat(maps)


def se_position_spread(model, windows: torch.Tensor) -> float:
    """Largest spread over positions of SE's scaling (output / input) on the run's 2-D features."""
    features = model.spatial(model.attention_3d(model.folded(windows[:64])))
    se = SqueezeExcite(features.shape[1]).eval()
    with torch.no_grad():
        ratio = se(features) / features.where(features.abs() > 1e-6, torch.nan)
    return float(torch.nan_to_num(ratio.flatten(2).std(2), nan=0.0).max())


def _mean(values: np.ndarray) -> float | None:
    return float(values.mean()) if values.size else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir")
    args = parser.parse_args()
    run = RunDir(args.run_dir).load(precision="fp32", device="cpu")
    model = run.classifier.module.eval()
    scene = build(run.config.dataset, "dataset").load()
    window = run.window
    padded = pad_cube(run.pca.transform(scene.cube), window // 2, run.config.preprocess.padding)
    test = run.split.test
    windows = PatchSampler(padded, window, scene.shape[1])(test)
    maps = spatial_maps(model, windows).numpy()  # (N, h, w)
    side = maps.shape[1]
    # feature position (i, j) is centred on the window pixel (i + m, j + m): every convolution is unpadded
    margin = (window - side) // 2
    rows, cols = test // scene.shape[1], test % scene.shape[1]
    gt = np.pad(scene.gt, window // 2, constant_values=0)
    offsets = np.arange(side) - side // 2 + window // 2  # padded coordinates of each position's pixel
    neighbours = gt[rows[:, None, None] + offsets[:, None], cols[:, None, None] + offsets]
    centre_class = scene.gt[rows, cols][:, None, None]
    same = neighbours == centre_class
    other = (neighbours != centre_class) & (neighbours > 0)
    centre = maps[:, side // 2, side // 2]
    report = {
        "run": str(args.run_dir),
        "window": window,
        "feature_map_side": side,
        "feature_position_offset_in_window": margin,
        "test_windows": len(test),
        "spatial_map_mean": float(maps.mean()),
        "spread_over_positions_mean_std": float(maps.reshape(len(maps), -1).std(1).mean()),
        "spread_over_positions_mean_range": float(np.ptp(maps.reshape(len(maps), -1), 1).mean()),
        # a fixed pattern over positions (the same for every window: the 7x7 convolution's zero padding at the
        # map's border can make one) against what changes from window to window (the content)
        "mean_map_over_windows": np.round(maps.mean(0), 3).tolist(),
        "range_of_the_mean_map": float(np.ptp(maps.mean(0))),
        "spread_over_windows_mean_std": float(maps.std(0).mean()),
        "spread_over_positions_after_removing_the_mean_map": float(
            (maps - maps.mean(0)).reshape(len(maps), -1).std(1).mean()
        ),
        "centre_minus_window_mean": float((centre - maps.reshape(len(maps), -1).mean(1)).mean()),
        "windows_with_centre_above_their_mean": float((centre > maps.reshape(len(maps), -1).mean(1)).mean()),
        "map_at_same_class_positions": _mean(maps[same]),
        "map_at_other_class_positions": _mean(maps[other]),
        "map_at_unlabelled_positions": _mean(maps[neighbours == 0]),
        "windows_with_another_class": float(other.any((1, 2)).mean()),
        "se_scaling_spread_over_positions_max": se_position_spread(model, windows),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
