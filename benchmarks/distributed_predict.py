"""``hsi-predict`` in one process against a local Dask cluster, on one synthetic multi-tile GeoTIFF.

    python -m benchmarks.distributed_predict --run outputs/study/wholerun/windows_fp32 --size 580 --tile 128

Writes the scene once (SIZE x SIZE, the run's bands, uint16), then predicts it with 1 process x 2
threads and with 2 workers x 1 thread, each configuration in a fresh child process whose peak
resident memory is the largest of its processes (the main one or a worker). Reports wall time,
the prediction time that ``hsi-predict`` logs (tiles only, without start-up), seconds per tile,
the cluster's start-up and shutdown overhead, whether the two class maps are byte-equal, and a
projection for a 4000 x 4000 scene on more workers (stated as such: perfect scaling of the tile
time, plus the measured overhead).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.benchmark_predict import write_scene
from hsi.run_dir import RunDir

CONFIGS = {"1 process x 2 threads": [], "2 workers x 1 thread": ["--workers", "2", "--threads", "1"]}
MEASURE = """
import resource, subprocess, sys, time
tic = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - tic
print(done.returncode, wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
print(done.stdout + done.stderr, file=sys.stderr)
"""


def run_config(run: Path, scene: Path, out: Path, tile: int, precision: str, extra: list[str]) -> dict:
    command = [sys.executable, "-m", "hsi.cli.predict", str(run), str(scene), "--out", str(out)]
    command += ["--tile", str(tile), "--precision", precision, *extra]
    done = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True, text=True, check=True)
    code, wall, peak = done.stdout.split()
    if int(code):
        raise SystemExit(done.stderr)
    predicted = float(re.search(r"predicted \d+ pixels in ([\d.]+)s", done.stderr).group(1))
    return {"wall_seconds": round(float(wall), 2), "predict_seconds": predicted, "peak_rss_mb": round(float(peak))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, required=True)
    parser.add_argument("--size", type=int, default=580)
    parser.add_argument("--tile", type=int, default=128)
    parser.add_argument("--precision", default="fp32")
    args = parser.parse_args()
    import rasterio

    bands = int(RunDir(args.run).load_checkpoint()["pca"]["mean"].shape[0])
    tiles = math.ceil(args.size / args.tile) ** 2
    results = {"size": args.size, "bands": bands, "tile": args.tile, "tiles": tiles, "precision": args.precision}
    with tempfile.TemporaryDirectory() as tmp:
        scene = Path(tmp) / "scene.tif"
        write_scene(scene, args.size, bands)
        maps = []
        for name, extra in CONFIGS.items():
            out = Path(tmp) / f"{len(maps)}.tif"
            results[name] = run_config(args.run, scene, out, args.tile, args.precision, extra)
            results[name]["seconds_per_tile"] = round(results[name]["predict_seconds"] / tiles, 3)
            with rasterio.open(out) as src:
                maps.append(src.read(1).tobytes())
        results["class_maps_byte_equal"] = maps[0] == maps[1]
    one, two = (results[name] for name in CONFIGS)
    results["speed_ratio_two_workers"] = round(one["wall_seconds"] / two["wall_seconds"], 2)
    overhead = (two["wall_seconds"] - two["predict_seconds"]) - (one["wall_seconds"] - one["predict_seconds"])
    results["cluster_overhead_seconds"] = round(overhead, 1)
    per_worker_tile = two["predict_seconds"] * 2 / tiles  # one worker's seconds for one tile of this size
    big_tiles = math.ceil(4000 / args.tile) ** 2
    results["projection_4000x4000_seconds"] = {
        workers: round(math.ceil(big_tiles / workers) * per_worker_tile + overhead) for workers in (8, 32, 128)
    }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
