"""Time and peak memory of the dense map path by the height of its passes (``tile_rows``).

    python -m benchmarks.benchmark_map_passes                    # 32, 64, 96, 128, 160, 256 rows
    python -m benchmarks.benchmark_map_passes --rows 32 128

Each height runs in its own process (so each peak resident memory is its own): HybridSN with random
weights, 25x25 windows of 30 components, one 256 x 256 tile with its 12-pixel halo (what
``hsi-predict --tile 256`` hands the network), float32, after a warm-up pass on a small scene.
Each pass also computes the ``window - 1`` rows of its halo, so short passes repeat work.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time


def measure(rows: int, tile: int, window: int, bands: int) -> dict:
    import torch

    from hsi.models.hybridsn import HybridSN
    from hsi.train.predict import predict_logits

    torch.manual_seed(0)
    model = HybridSN(bands, window, 16).eval()
    padded = torch.randn(bands, tile + window - 1, tile + window - 1)
    predict_logits(model, padded[:, : 2 * window, : 2 * window], window, tile_rows=rows)  # oneDNN warm-up
    tic = time.perf_counter()
    predict_logits(model, padded, window, tile_rows=rows)
    seconds = time.perf_counter() - tic
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"tile_rows": rows, "seconds": round(seconds, 2), "peak_rss_mb": round(peak)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[32, 64, 96, 128, 160, 256])
    parser.add_argument("--tile", type=int, default=256)
    parser.add_argument("--window", type=int, default=25)
    parser.add_argument("--bands", type=int, default=30)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # the child process: one height
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(measure(args.one, args.tile, args.window, args.bands)))
        return
    print("| rows per pass | seconds | peak RSS (MB) |\n|---:|---:|---:|")
    for rows in args.rows:
        child = [sys.executable, __file__, "--one", str(rows), "--tile", str(args.tile)]
        child += ["--window", str(args.window), "--bands", str(args.bands)]
        result = json.loads(subprocess.run(child, check=True, capture_output=True, text=True).stdout)
        print(f"| {rows} | {result['seconds']:.2f} | {result['peak_rss_mb']} |")


if __name__ == "__main__":
    main()
