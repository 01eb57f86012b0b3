"""Peak memory and throughput of ``hsi-predict`` on a synthetic unlabelled GeoTIFF.

    python -m benchmarks.benchmark_predict --run outputs/study/random/5 --size 4000 --tile 512

The scene (SIZE x SIZE pixels, the run's band count, uint16 like AVIRIS) is written window by
window, so this script never holds it; ``hsi-predict`` then runs in a child process, whose peak
resident memory (ru_maxrss) and wall time are reported with the pixels per second.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from hsi.run_dir import RunDir


def write_scene(path: Path, size: int, bands: int, seed: int = 0) -> None:
    import rasterio
    from rasterio.transform import from_origin
    from rasterio.windows import Window

    rng = np.random.default_rng(seed)
    profile = {
        "driver": "GTiff",
        "height": size,
        "width": size,
        "count": bands,
        "dtype": "uint16",
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
        "crs": "EPSG:32616",
        "transform": from_origin(500000.0, 4500000.0, 20.0, 20.0),
    }
    with rasterio.open(path, "w", **profile) as dst:
        for top in range(0, size, 256):
            rows = min(256, size - top)
            block = rng.integers(1000, 9000, size=(bands, rows, size), dtype=np.uint16)
            dst.write(block, window=Window(0, top, size, rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, required=True, help="a finished run (its band count sets the scene's)")
    parser.add_argument("--size", type=int, default=4000)
    parser.add_argument("--tile", type=int, default=512)
    args = parser.parse_args()
    checkpoint = RunDir(args.run).load_checkpoint()
    bands = int(checkpoint["pca"]["mean"].shape[0])
    with tempfile.TemporaryDirectory() as tmp:
        scene, out = Path(tmp) / "scene.tif", Path(tmp) / "classes.tif"
        write_scene(scene, args.size, bands)
        tic = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "hsi.cli.predict",
                str(args.run),
                str(scene),
                "--out",
                str(out),
                "--tile",
                str(args.tile),
                "--precision",
                "fp32",
            ],
            check=True,
        )
        seconds = time.perf_counter() - tic
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    pixels = args.size * args.size
    print(
        json.dumps(
            {
                "size": args.size,
                "bands": bands,
                "tile": args.tile,
                "model": checkpoint["model_name"],
                "window": checkpoint["config"]["preprocess"]["window"],
                "seconds": round(seconds, 1),
                "pixels_per_second": round(pixels / seconds),
                "peak_rss_mb": round(peak_mb),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
