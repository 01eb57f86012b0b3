"""How far the spatially disjoint split's test pixels are from unseen fields: fields shared with training.

    python studies/field_overlap.py --data-root ../shared/data --seeds 0 1 2 3 4 --windows 11 15 25

A field is an 8-connected region of one class in the ground truth. For each window's split of each
seed (the shipped ``split=disjoint`` settings), the share of test pixels that lie in a field which
also has training pixels, and the number of tested classes whose training pixels all come from a
single field. Geometry only: the ground truth, no spectra, no training.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from hsi.data.mat import load_mat_array
from hsi.splits import spatially_disjoint_split
from hsi.splits.fields import field_index, field_record


def overlap(gt: np.ndarray, split) -> tuple[float, int, int]:
    """(share of test pixels in a training field, tested classes, tested classes trained from one field)."""
    record = field_record(gt, split, int(gt.max()))
    counts = record["fields_per_class"]
    tested = [k for k in range(int(gt.max())) if counts["test"][k] > 0]
    single = sum(counts["train"][k] == 1 for k in tested)
    return record["test_pixels_in_training_fields"], len(tested), int(single)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", default="data")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--windows", type=int, nargs="+", default=[11, 15, 25])
    args = parser.parse_args()
    gt = load_mat_array(Path(args.data_root) / "indian_pines" / "Indian_pines_gt.mat", "indian_pines_gt")
    print(f"{field_index(gt).max()} fields in the ground truth\n")
    print("| window | seed | test pixels in a field that also trains (%) | tested classes | trained from one field |")
    print("|---:|---:|---:|---:|---:|")
    for window in args.windows:
        for seed in args.seeds:
            share, tested, single = overlap(gt, spatially_disjoint_split(gt, seed, window=window))
            print(f"| {window} | {seed} | {100 * share:.1f} | {tested} | {single} |")


if __name__ == "__main__":
    main()
