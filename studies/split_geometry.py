"""How the spatially disjoint split cuts a real scene: classes tested, pixels dropped, part sizes.

    python studies/split_geometry.py --data-root ../shared/data --seeds 0 1 2 3 4 --windows 25 15 11

Geometry only (the ground truth, no spectra, no training): it is how the split's search
settings were chosen, without looking at any accuracy.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from hsi.data.mat import load_mat_array
from hsi.splits import spatially_disjoint_split


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", default="data")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--windows", type=int, nargs="+", default=[25])
    parser.add_argument("--block-size", type=int, default=8)
    parser.add_argument("--train-fraction", type=float, default=0.1)
    args = parser.parse_args()
    gt = load_mat_array(Path(args.data_root) / "indian_pines" / "Indian_pines_gt.mat", "indian_pines_gt")
    labelled = int((gt > 0).sum())
    num_classes = int(gt.max())
    print(
        "| window | seed | classes tested | untested | train | val | test | dropped (% of labelled) | "
        "val covers every tested class | search (s) |"
    )
    print("|---:|---:|---:|---|---:|---:|---:|---:|---|---:|")
    for window in args.windows:
        for seed in args.seeds:
            tic = time.perf_counter()
            split = spatially_disjoint_split(
                gt, seed, train_fraction=args.train_fraction, block_size=args.block_size, window=window
            )
            seconds = time.perf_counter() - tic
            counts = split.class_counts(gt, num_classes)
            tested = [k for k in range(num_classes) if counts["test"][k] > 0]
            covered = all(counts["val"][k] > 0 for k in tested)
            print(
                f"| {window} | {seed} | {len(tested)} of {num_classes} | "
                f"{', '.join(map(str, split.untestable)) or '-'} | {len(split.train)} | {len(split.val)} | "
                f"{len(split.test)} | {100 * len(split.dropped) / labelled:.1f} | {'yes' if covered else 'no'} | "
                f"{seconds:.1f} |"
            )


if __name__ == "__main__":
    main()
