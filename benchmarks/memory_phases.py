"""Where a training run's memory goes: peak resident memory of each phase, for given batch sizes.

    python -m benchmarks.memory_phases                          # batch 64 and 128, validation at 128 and 256
    python -m benchmarks.memory_phases --batch 64 --eval-batch 128
    python -m benchmarks.memory_phases --map-rows 128 64 32     # then the full-scene map, rows per pass

Each configuration runs in a fresh process (a process keeps what its allocator once held, so
phases measured one after another in one process would carry each other's peaks). Protocol:
Indian Pines, whitened PCA to 30 components on all pixels, 25x25 windows, HybridSN, the
default trainer without its schedule, one epoch on 640 training pixels (split seed 0), then one
validation pass over the 512 validation pixels; with ``--map-rows``, then the full-scene map a run
draws after training (the dense path, that many output rows per pass). Resident memory is sampled every 20 ms
(benchmarks/benchmark.py's PeakRSS); it does not depend on how busy the CPU is, so these figures
need no quiet machine. Prints one JSON line per configuration.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

WINDOW, COMPONENTS, TRAIN_PIXELS = 25, 30, 640


def measure(batch: int, eval_batch: int, data_root: str | None, map_rows: int | None = None) -> dict:
    """Peak RSS (MB) after loading and preparing the scene, while training, while validating, and mapping."""
    import numpy as np
    import torch
    from benchmark import PeakRSS, resident_mb, tool_trainer

    from hsi.data import indian_pines
    from hsi.models import HybridSN
    from hsi.patches import PatchSampler
    from hsi.preprocess import fit_pca, pad_cube
    from hsi.splits import Split, stratified_fraction_split
    from hsi.train.predict import predict_scene

    scene = indian_pines(root=data_root).load()
    split = stratified_fraction_split(scene.gt, seed=0, train_fraction=0.1, val_fraction=0.05)
    reduced = fit_pca(scene.cube, np.ones(scene.shape, bool), COMPONENTS).transform(scene.cube)
    labels = scene.gt.ravel() - 1
    padded = pad_cube(reduced, WINDOW // 2, "zero")
    sampler = PatchSampler(padded, WINDOW, scene.shape[1])
    overrides = ["trainer.epochs=1", "trainer.scheduler=null", f"trainer.batch_size={batch}"]
    trainer, _ = tool_trainer([*overrides, f"trainer.eval_batch_size={eval_batch}"])
    report = {"batch_size": batch, "eval_batch_size": eval_batch, "precision": trainer.precision}
    report["prepared_mb"] = resident_mb()
    torch.manual_seed(0)
    model = HybridSN(COMPONENTS, WINDOW, 16)
    no_validation = Split(split.train[:TRAIN_PIXELS], np.array([], dtype=np.int64), split.test)
    with PeakRSS() as rss:
        trainer.fit(model, sampler, labels, no_validation, seed=0)
    report["training_peak_mb"], report["after_training_mb"] = rss.peak, resident_mb()
    with PeakRSS() as rss, torch.no_grad():
        trainer.validate(model, sampler, labels, split.val)
    report["validation_peak_mb"] = rss.peak
    if map_rows is not None:
        with PeakRSS() as rss:
            predict_scene(model, padded, WINDOW, path="dense", tile_rows=map_rows, precision=trainer.precision)
        report["map_rows"], report["map_peak_mb"] = map_rows, rss.peak
    return {k: round(v) if isinstance(v, float) else v for k, v in report.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--batch", type=int, nargs="*", default=[64, 128])
    parser.add_argument("--eval-batch", type=int, nargs="*", default=[128, 256])
    parser.add_argument("--map-rows", type=int, nargs="*", default=[None], help="each: a run of the first batch sizes")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # a child process: one configuration
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.batch[0], args.eval_batch[0], args.data_root, args.map_rows[0])))
        return
    mapping = args.map_rows != [None]
    configurations = [
        (batch, eval_batch, rows)
        for batch in (args.batch[:1] if mapping else args.batch)
        for eval_batch in (args.eval_batch[:1] if mapping else args.eval_batch)
        for rows in args.map_rows
    ]
    for batch, eval_batch, rows in configurations:
        child = [sys.executable, __file__, "--one", "--batch", str(batch), "--eval-batch", str(eval_batch)]
        child += ["--map-rows", str(rows)] if rows is not None else []
        child += ["--data-root", args.data_root] if args.data_root else []
        done = subprocess.run(child, capture_output=True, text=True, check=True)
        print(done.stdout.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    main()
