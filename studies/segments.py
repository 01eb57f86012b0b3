"""Segment smoothing scored afterwards on finished runs: validation OA of each candidate setting.

A run with maps saves every pixel's class probabilities (``maps/predictions.npz``) and its PCA
(the checkpoint), so each candidate ``segments.*`` setting can be applied to the saved map with
the code the option runs (:func:`hsi.segments.superpixels`, :func:`hsi.segments.segment_mean`) and
read on the run's validation pixels only, without training again. Test pixels are not read.

    python studies/segments.py OUT/unseen_segments/* --csv studies/unseen/segments.csv

prints, per folder (one model under one protocol), each candidate's mean ± SD validation OA over
the folder's seeds and its mean paired difference to no smoothing, then the choice of the rule
declared in studies/unseen/README.md ("Segment smoothing").
"""

from __future__ import annotations

import argparse
import csv
import itertools
from pathlib import Path

import numpy as np
from omegaconf import OmegaConf
from tables import _finished, _pm, _split_kind

from hsi.config import build
from hsi.maps.scene_maps import PREDICTIONS_NPZ
from hsi.preprocess import fit_pca, fit_pixels_mask
from hsi.run_dir import MAPS, SPLIT_NPZ, RunDir
from hsi.segments import SegmentSmoothing, segment_mean, superpixels

SIZES = (80, 40, 20, 10)  # pixels a segment: about 263, 526, 1051 and 2103 segments on Indian Pines
COMPACTNESS = (0.03, 0.1, 0.3)
COMPONENTS = (3, 10)
CANDIDATES = [SegmentSmoothing(n, c, k) for n, c, k in itertools.product(SIZES, COMPACTNESS, COMPONENTS)]
ADOPT_GAIN = 0.01  # a candidate is adopted if it beats no smoothing by at least 1 point of mean validation OA
TIE = 0.001


_SCENES: dict[str, object] = {}


def _scene(dataset_config: dict):
    """The run's scene, loaded once for all the runs of one dataset config."""
    key = repr(dataset_config)
    if key not in _SCENES:
        _SCENES[key] = build(OmegaConf.create(dataset_config), "dataset").load()
    return _SCENES[key]


def run_scores(run, fit_scope: str | None = None) -> dict[SegmentSmoothing | None, float]:
    """Validation OA of a finished run's saved map, unsmoothed (key None) and under every candidate; with
    ``fit_scope``, the segments follow a PCA refitted on those pixels (``all``: every pixel) instead of the run's."""
    finished = RunDir(run.path).load(precision="fp32", device="cpu")
    scene = _scene(OmegaConf.to_container(finished.config.dataset, resolve=True))
    pca = finished.pca
    if fit_scope is not None:
        pre = finished.config.preprocess
        mask = fit_pixels_mask(scene.gt, np.load(run.path / SPLIT_NPZ)["train"], fit_scope)
        pca = fit_pca(scene.cube, mask, pre.n_components, whiten=pre.whiten, seed=run.split_seed)
    reduced = pca.transform(scene.cube)
    probabilities = np.load(run.path / MAPS / PREDICTIONS_NPZ)["probabilities"]
    val = np.load(run.path / SPLIT_NPZ)["val"].ravel()
    truth = scene.gt.ravel().astype(np.int64)[val] - 1

    def oa(p: np.ndarray) -> float:
        return float((p.reshape(-1, p.shape[-1]).argmax(-1)[val] == truth).mean())

    scores = {None: oa(probabilities)}
    for candidate in CANDIDATES:
        scores[candidate] = oa(segment_mean(probabilities, superpixels(reduced, candidate)))
    return scores


def _name(candidate: SegmentSmoothing | None) -> str:
    if candidate is None:
        return "no smoothing"
    return f"size {candidate.size}, compactness {candidate.compactness:g}, components {candidate.components}"


def choose(scores_by_seed: dict[int, dict]) -> tuple[SegmentSmoothing | None, float, float]:
    """The rule: the candidate with the highest mean validation OA (ties within 0.1 points: the smaller size,
    adopted if it beats no smoothing by at least 1 point; returns (adopted or None, its mean, the gain)."""
    means = {c: np.mean([s[c] for s in scores_by_seed.values()]) for c in CANDIDATES}
    top = max(means.values())
    best = max((c for c in CANDIDATES if means[c] >= top - TIE), key=lambda c: (-c.size, means[c]))
    plain = np.mean([s[None] for s in scores_by_seed.values()])
    gain = means[best] - plain
    return (best if gain >= ADOPT_GAIN else None), means[best], gain


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--csv", type=Path, help="one row per run and candidate: its validation OA")
    scopes = ["all", "labeled", "train"]
    parser.add_argument("--fit-scope", choices=scopes, help="refit the segments' PCA on these pixels")
    args = parser.parse_args()
    rows = []
    groups = []  # a folder, or each window of a folder whose sweep ran several (each its own candidate)
    for folder in args.folders:
        by_window: dict[int, list] = {}
        for r in sorted(_finished(folder), key=lambda r: r.split_seed):
            by_window.setdefault(r.metrics["protocol"]["window"], []).append(r)
        for window, runs in sorted(by_window.items()):
            groups.append((folder.name if len(by_window) == 1 else f"{folder.name}/w{window}", runs))
    for name, runs in groups:
        scores = {r.split_seed: run_scores(r, args.fit_scope) for r in runs}
        model, protocol = runs[0].metrics["model"], _split_kind(runs[0])
        for seed, by_candidate in scores.items():
            for candidate, value in by_candidate.items():
                record = candidate.record() if candidate else {"size": "", "compactness": "", "components": ""}
                rows.append(
                    {
                        "folder": name,
                        "model": model,
                        "protocol": protocol,
                        "seed": seed,
                        **record,
                        "validation_OA": f"{100 * value:.2f}",
                    }
                )
        print(f"\n### {name}: {model}, split={protocol}, seeds {', '.join(map(str, scores))}\n")
        print("| smoothing | validation OA (%) | vs no smoothing (points, paired) |")
        print("|---|---:|---:|")
        plain = [s[None] for s in scores.values()]
        for candidate in [None, *CANDIDATES]:
            values = [s[candidate] for s in scores.values()]
            gain = "" if candidate is None else f"{100 * np.mean(np.subtract(values, plain)):+.2f}"
            print(f"| {_name(candidate)} | {_pm(values)} | {gain} |")
        adopted, mean, gain = choose(scores)
        verdict = f"adopted: {_name(adopted)}" if adopted else "none adopted (no candidate gains 1 point)"
        print(f"\nRule: best mean {100 * mean:.2f}% ({100 * gain:+.2f} points); {verdict}.")
    if args.csv and rows:
        with open(args.csv, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)


if __name__ == "__main__":
    main()
