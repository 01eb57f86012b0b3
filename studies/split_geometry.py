"""How the spatially disjoint and field splits cut a real scene: classes tested, pixels dropped, part sizes.

    python studies/split_geometry.py --data-root ../shared/data --seeds 0 1 2 3 4 --windows 25 15 11
    python studies/split_geometry.py --data-root ../shared/data --split fields --windows 25 11
    python studies/split_geometry.py --data-root ../shared/data --windows 25 15 11 \\
        --temperatures 0 0.1 0.2 0.3 --jaccard

``--csv FILE`` writes the table as CSV instead of printing it as Markdown (studies/split_geometry/).

The second form prints, per window and search temperature, how much the seeds' training masks
overlap (mean pairwise Jaccard index), beside the pixels the buffer drops: a split that barely
changes with the seed gives p-values about one split, not about the scene.

Geometry only (the ground truth, no spectra, no training): it is how the split's search
settings were chosen, without looking at any accuracy.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import time
from pathlib import Path

import numpy as np

from hsi.data.mat import load_mat_array
from hsi.splits import field_split, spatially_disjoint_split
from hsi.splits.base import inside_training_windows
from hsi.splits.fields import field_index, field_record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", default="data")
    parser.add_argument("--split", choices=["disjoint", "fields"], default="disjoint")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--windows", type=int, nargs="+", default=[25])
    parser.add_argument("--block-size", type=int, default=8)
    parser.add_argument("--train-fraction", type=float, default=0.1)
    parser.add_argument("--temperatures", type=float, nargs="+", default=[0.2])
    parser.add_argument("--jaccard", action="store_true", help="the seeds' overlap per window and temperature")
    parser.add_argument("--csv", type=Path, help="write the table here as CSV instead of printing Markdown")
    args = parser.parse_args()
    gt = load_mat_array(Path(args.data_root) / "indian_pines" / "Indian_pines_gt.mat", "indian_pines_gt")
    if args.jaccard:
        emit(*overlap_table(gt, args), args.csv)
        return
    header = [
        "window",
        "seed",
        "classes tested",
        "untested",
        "train",
        "val",
        "test",
        "dropped (% of labelled)",
        "val covers every tested class",
        "test pixels in a training field (%)",
        "test pixels within window // 2 of a validation pixel (%)",
        "search (s)",
    ]
    rows, notes = [], []
    for window in args.windows:
        splits = []
        for seed in args.seeds:
            tic = time.perf_counter()
            splits.append(make_split(gt, seed, window, args))
            rows.append(geometry_row(gt, splits[-1], window, seed, time.perf_counter() - tic))
        if args.split == "fields":
            notes.append(fields_summary(gt, splits, window))
    emit(header, rows, args.csv)
    print("".join(notes), end="")


def emit(header: list[str], rows: list[list], path: Path | None) -> None:
    """The table as Markdown on stdout, or as CSV in ``path``."""
    if path is not None:
        with path.open("w", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows([header, *rows])
        return
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" if h in ("untested", "val covers every tested class") else "---:" for h in header) + "|")
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")


def make_split(gt: np.ndarray, seed: int, window: int, args, temperature: float | None = None):
    if args.split == "fields":
        return field_split(gt, seed, train_fraction=args.train_fraction, window=window)
    temperature = args.temperatures[0] if temperature is None else temperature
    return spatially_disjoint_split(
        gt, seed, args.train_fraction, block_size=args.block_size, window=window, temperature=temperature
    )


def geometry_row(gt: np.ndarray, split, window: int, seed: int, seconds: float) -> list:
    num_classes = int(gt.max())
    counts = split.class_counts(gt, num_classes)
    tested = [k for k in range(num_classes) if counts["test"][k] > 0]
    covered = all(counts["val"][k] > 0 for k in tested)
    in_fields = field_record(gt, split, num_classes)["test_pixels_in_training_fields"]
    near_val = inside_training_windows(split.mask("val", gt.shape), window).ravel()[split.test]
    near_share = f"{100 * near_val.mean():.1f}" if len(split.test) else "-"
    return [
        window,
        seed,
        f"{len(tested)} of {num_classes}",
        ", ".join(map(str, split.untestable)) or "-",
        len(split.train),
        len(split.val),
        len(split.test),
        f"{100 * len(split.dropped) / (gt > 0).sum():.1f}",
        "yes" if covered else "no",
        f"{100 * in_fields:.1f}",
        near_share,
        f"{seconds:.1f}",
    ]


def fields_summary(gt: np.ndarray, splits: list, window: int) -> str:
    """Over the seeds: distinct field assignments, and the training masks' overlap on classes with 2+ fields."""
    fields, labels = field_index(gt).ravel(), gt.ravel()
    several = np.array([False] + [len(np.unique(fields[labels == k])) > 1 for k in range(1, int(gt.max()) + 1)])
    masks = [s.train[several[labels[s.train]]] for s in splits]
    overlap = np.mean([jaccard(a, b) for a, b in itertools.combinations(masks, 2)])
    assignments = len({tuple(np.unique(fields[s.train])) for s in splits})
    return (
        f"\n{window}x{window}: {assignments} different field assignments over {len(splits)} seeds; mean pairwise "
        f"Jaccard of the training masks over the {int(several.sum())} classes with two or more fields: {overlap:.3f}\n"
    )


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """|A & B| / |A | B| of two sets of pixel indices."""
    return len(np.intersect1d(a, b)) / len(np.union1d(a, b))


def overlap_table(gt: np.ndarray, args) -> tuple[list[str], list[list]]:
    labelled = int((gt > 0).sum())
    header = [
        "window",
        "temperature",
        "mean pairwise Jaccard of training masks",
        "dropped (% of labelled)",
        "test pixels",
    ]
    rows = []
    for window in args.windows:
        for temperature in args.temperatures:
            splits = [make_split(gt, seed, window, args, temperature) for seed in args.seeds]
            overlap = np.mean([jaccard(a.train, b.train) for a, b in itertools.combinations(splits, 2)])
            dropped = 100 * np.mean([len(s.dropped) for s in splits]) / labelled
            test = np.mean([len(s.test) for s in splits])
            rows.append([window, f"{temperature:g}", f"{overlap:.3f}", f"{dropped:.1f}", f"{test:.0f}"])
    return header, rows


if __name__ == "__main__":
    main()
