"""Round two of the unseen-ground methods, scored on validation pixels of seeds 100-104 (no test pixel read).

A: the mean of the SVM's and the 1-D CNN's saved class probabilities (the ``unseen_segments`` runs of
one protocol and seed share one split), unsmoothed and under each segment smoothing candidate of
``studies/segments.py``. B: the ``unseen_inputs`` runs (the preset reading segment spectra), from
their saved maps. The rule declared in studies/unseen/README.md ("Round two") then says whether any
candidate replaces the preset.

    python studies/round_two.py OUT/unseen_segments OUT/unseen_inputs --csv studies/unseen/round_two.csv
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np
from omegaconf import OmegaConf
from segments import CANDIDATES, _name, _scene
from tables import _finished, _split_kind

from hsi.maps.scene_maps import PREDICTIONS_NPZ
from hsi.run_dir import MAPS, SPLIT_NPZ, RunDir
from hsi.segments import segment_mean, superpixels

PRESET = {"disjoint": 0.5886, "fields": 0.5748}  # segments.csv: the SVM, size 20, compactness 0.1, components 3
ADOPT_GAIN = 0.01
TIE = 0.001
PROTOCOLS = ("disjoint", "fields")


def _validation(run) -> tuple[np.ndarray, np.ndarray]:
    val = np.load(run.path / SPLIT_NPZ)["val"].ravel()
    probabilities = np.load(run.path / MAPS / PREDICTIONS_NPZ)["probabilities"]
    return val, probabilities


def _oa(probabilities: np.ndarray, val: np.ndarray, truth: np.ndarray) -> float:
    return float((probabilities.reshape(-1, probabilities.shape[-1]).argmax(-1)[val] == truth).mean())


def ensemble_scores(svm_run, cnn_run) -> dict[str, float]:
    """Validation OA of the two models' mean probabilities, unsmoothed and under every smoothing candidate."""
    val, svm = _validation(svm_run)
    cnn_val, cnn = _validation(cnn_run)
    if not np.array_equal(val, cnn_val):
        raise SystemExit(f"{svm_run.path} and {cnn_run.path} do not share their split")
    finished = RunDir(svm_run.path).load(precision="fp32", device="cpu")
    scene = _scene(OmegaConf.to_container(finished.config.dataset, resolve=True))
    reduced = finished.pca.transform(scene.cube)
    truth = scene.gt.ravel().astype(np.int64)[val] - 1
    mean = (svm.astype(np.float64) + cnn) / 2
    scores = {"A: SVM + 1-D CNN, " + _name(None): _oa(mean, val, truth)}
    for candidate in CANDIDATES:
        scores["A: SVM + 1-D CNN, " + _name(candidate)] = _oa(
            segment_mean(mean, superpixels(reduced, candidate)), val, truth
        )
    return scores


def input_score(run) -> tuple[str, float]:
    val, probabilities = _validation(run)
    size = run.metrics["protocol"]["training"]["segment_inputs"]["size"]
    finished = RunDir(run.path).load(precision="fp32", device="cpu")
    scene = _scene(OmegaConf.to_container(finished.config.dataset, resolve=True))
    truth = scene.gt.ravel().astype(np.int64)[val] - 1
    return f"B: preset, segment spectra of about {size} pixels stacked", _oa(probabilities, val, truth)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("segments_runs", type=Path, help="OUT/unseen_segments")
    parser.add_argument("inputs_runs", type=Path, help="OUT/unseen_inputs")
    parser.add_argument("--csv", type=Path)
    args = parser.parse_args()
    scores: dict[str, dict[str, dict[int, float]]] = {}  # candidate -> protocol -> seed -> OA
    for protocol in PROTOCOLS:
        svm = {r.split_seed: r for r in _finished(args.segments_runs / f"{protocol}_svm")}
        cnn = {r.split_seed: r for r in _finished(args.segments_runs / f"{protocol}_cnn1d")}
        for seed in sorted(set(svm) & set(cnn)):
            for name, value in ensemble_scores(svm[seed], cnn[seed]).items():
                scores.setdefault(name, {}).setdefault(protocol, {})[seed] = value
        for run in _finished(args.inputs_runs / f"{protocol}_stack"):
            assert _split_kind(run) == protocol, run.path
            name, value = input_score(run)
            scores.setdefault(name, {}).setdefault(protocol, {})[run.split_seed] = value
    rows, summary = [], []
    for name, by_protocol in scores.items():
        for protocol, by_seed in by_protocol.items():
            rows += [
                {"candidate": name, "protocol": protocol, "seed": s, "validation_OA": f"{100 * v:.2f}"}
                for s, v in sorted(by_seed.items())
            ]
        if all(len(by_protocol.get(p, {})) == 5 for p in PROTOCOLS):
            means = [float(np.mean(list(by_protocol[p].values()))) for p in PROTOCOLS]
            summary.append((name, *means, float(np.mean(means))))
    print("| candidate | disjoint (%) | fields (%) | mean (%) | vs the preset (points) |")
    print("|---|---:|---:|---:|---:|")
    preset = float(np.mean(list(PRESET.values())))
    disjoint, fields = (100 * PRESET[p] for p in PROTOCOLS)
    print(f"| the preset as it is | {disjoint:.2f} | {fields:.2f} | {100 * preset:.2f} | |")
    for name, d, f, m in sorted(summary, key=lambda row: -row[3]):
        print(f"| {name} | {100 * d:.2f} | {100 * f:.2f} | {100 * m:.2f} | {100 * (m - preset):+.2f} |")
    # ties within 0.1 points: B before A, then the smaller size, then no smoothing (the order listed)
    order = [n for n, *_ in summary if n.startswith("B")] + [n for n, *_ in summary if n.startswith("A")]
    top = max(m for *_, m in summary)
    best = next(n for n in order if dict((n2, m) for n2, *_, m in summary)[n] >= top - TIE)
    gain = top - preset
    verdict = f"replaces the preset: {best}" if gain >= ADOPT_GAIN else "no candidate replaces the preset"
    print(f"\nRule: best {100 * top:.2f}% ({100 * gain:+.2f} points against the preset); {verdict}.")
    if args.csv:
        with args.csv.open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)


if __name__ == "__main__":
    main()
