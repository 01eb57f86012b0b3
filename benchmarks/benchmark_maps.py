"""Full-scene prediction time on Indian Pines: dense path, batched windows, one window at a time.

    python -m benchmarks.benchmark_maps [--run RUN_DIR] [--loop-pixels 400] [--full-loop]

Prints one JSON report. With --run, the weights, PCA and window of a finished run are used;
without it, HybridSN with random weights (the time does not depend on the weights' values).
The one-at-a-time loop is the reference notebooks' way (a numpy slice per pixel, one forward
each, float32); it is timed on --loop-pixels pixels and extrapolated to the scene unless
--full-loop is given.
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np
import torch

from hsi.data import indian_pines
from hsi.models import HybridSN
from hsi.preprocess import SpectralPCA, fit_pca, pad_cube
from hsi.run_dir import RunDir
from hsi.train.predict import predict_logits


def timed(fn, repeat: int = 1):
    best, out = float("inf"), None
    for _ in range(repeat):
        tic = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - tic)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", help="a finished hsi-train run folder (HybridSN) to take weights from")
    parser.add_argument("--data-root", default=None, help="data root (default $HSI_DATA_DIR or data/)")
    parser.add_argument("--loop-pixels", type=int, default=400)
    parser.add_argument("--full-loop", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    scene = indian_pines(root=args.data_root).load()
    window = 25
    if args.run:
        ckpt = RunDir(args.run).load_checkpoint()
        pca = SpectralPCA.from_state_dict(ckpt["pca"])
        window = int(ckpt["config"]["preprocess"]["window"])
        model = HybridSN(pca.num_components, window, len(ckpt["class_names"]))
        model.load_state_dict(ckpt["model_state"])
    else:
        pca = fit_pca(scene.cube, np.ones(scene.shape, bool), 30)
        torch.manual_seed(0)
        model = HybridSN(30, window, scene.num_classes)
    model.eval()
    reduced = pca.transform(scene.cube)
    padded = pad_cube(reduced, window // 2, "zero")
    h, w = scene.shape
    report = {
        "pixels": h * w,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "machine": platform.processor() or platform.machine(),
    }

    predict_logits(model, padded, window, path="dense")  # warm-up (oneDNN primitive creation)
    for precision in ("fp32", "bf16"):
        t, dense = timed(
            lambda precision=precision: predict_logits(model, padded, window, path="dense", precision=precision),
            args.repeat,
        )
        report[f"dense_{precision}_s"] = t
        t, windows = timed(
            lambda precision=precision: predict_logits(model, padded, window, path="windows", precision=precision), 1
        )
        report[f"windows_{precision}_s"] = t
        report[f"dense_windows_same_argmax_{precision}"] = float(
            (dense.argmax(-1) == windows.argmax(-1)).float().mean()
        )

    # The notebooks' loop: one numpy window per pixel, one forward pass each.
    padded_hwc = np.pad(reduced, ((window // 2,) * 2, (window // 2,) * 2, (0, 0)))
    count = h * w if args.full_loop else min(args.loop_pixels, h * w)

    def loop():
        out = np.empty(count, dtype=np.int64)
        with torch.no_grad():
            for k in range(count):
                r, c = divmod(k, w)
                patch = padded_hwc[r : r + window, c : c + window, :]
                x = torch.from_numpy(patch.transpose(2, 0, 1).reshape(1, 1, -1, window, window).copy())
                out[k] = int(model(x).argmax(1))
        return out

    t, _ = timed(loop)
    report["loop_fp32_s"] = t * (h * w) / count
    report["loop_pixels_timed"] = count
    report["loop_extrapolated"] = count < h * w
    report["speedup_dense_bf16_vs_loop"] = report["loop_fp32_s"] / report["dense_bf16_s"]
    report["speedup_dense_fp32_vs_loop"] = report["loop_fp32_s"] / report["dense_fp32_s"]
    report["speedup_dense_fp32_vs_windows_fp32"] = report["windows_fp32_s"] / report["dense_fp32_s"]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
