"""Ensembles of a sweep's members: the mean of their saved probabilities, on the test pixels they share.

Initialisation and batch order are a large part of why two runs differ (docs/variance.md), and
averaging the class probabilities of runs that differ only there removes that part (Lakshminarayanan
et al., "Simple and Scalable Predictive Uncertainty Estimation using Deep Ensembles", NeurIPS 2017).
A sweep's runs are members of one ensemble when they belong to one group (the same settings) and
share their split seed, and so their test pixels; each member's probabilities of every pixel come
from its ``maps/predictions.npz``, so no network runs again.
"""

from __future__ import annotations

import numpy as np

from hsi.config import build
from hsi.errors import UserError
from hsi.evaluate import classification_metrics
from hsi.maps.scene_maps import PREDICTIONS_NPZ
from hsi.run_dir import MAPS, SPLIT_NPZ, RunDir


def _saved(run) -> tuple[np.ndarray, np.ndarray] | None:
    """A member's probabilities ``(H, W, K)`` and test mask ``(H, W)``, or None where it saved no map."""
    predictions, split = run.path / MAPS / PREDICTIONS_NPZ, run.path / SPLIT_NPZ
    if not (predictions.is_file() and split.is_file()):
        return None
    return np.load(predictions)["probabilities"], np.load(split)["test"]


def scene_truth(run) -> np.ndarray:
    """The zero-based class of every pixel of the member's scene, read again through its config."""
    cfg = RunDir(run.path).load_checkpoint()["config"]
    scene = build(cfg["dataset"], "dataset").load()
    return scene.gt.ravel().astype(np.int64) - 1


def members_by_split(group_runs: list) -> dict[int, list]:
    """The finished runs of one group by split seed, for the split seeds with two or more (an ensemble each)."""
    by_split: dict[int, list] = {}
    for run in group_runs:
        if run.status == "finished":
            by_split.setdefault(run.split_seed, []).append(run)
    return {seed: runs for seed, runs in by_split.items() if len(runs) >= 2}


def ensemble_of(runs: list) -> dict:
    """OA, AA and kappa of the members' mean probabilities on their shared test pixels, beside the members'."""
    saved = [_saved(r) for r in runs]
    if any(s is None for s in saved):
        return {"members": len(runs), "note": "a member saved no maps (maps.enabled=false): nothing to average"}
    shapes = {s[0].shape for s in saved}
    tests = saved[0][1]
    if len(shapes) != 1 or any(not np.array_equal(s[1], tests) for s in saved):
        return {"members": len(runs), "note": "the members do not share one scene and test set"}
    mean = np.mean([s[0] for s in saved], axis=0)
    try:
        truth = scene_truth(runs[0])
    except UserError as error:
        return {"members": len(runs), "note": f"the scene could not be read again ({error})"}
    test = np.flatnonzero(tests.ravel())
    names = runs[0].metrics["class_names"]
    metrics = classification_metrics(truth[test], mean.reshape(-1, mean.shape[-1]).argmax(1)[test], names)
    members = {key: [r.metrics[key] for r in runs] for key in ("overall_accuracy", "average_accuracy", "kappa")}
    return {
        "members": len(runs),
        "test_pixels": len(test),
        **{key: metrics[key] for key in members},
        **{f"members_{key}": values for key, values in members.items()},
    }


def ensembles(groups: dict[str, list]) -> list[dict]:
    """One ensemble per group and split seed with two or more finished members."""
    out = []
    for group, runs in groups.items():
        shared = members_by_split(runs)
        finished = sum(r.status == "finished" for r in runs)
        if not shared and finished >= 2:
            note = "no two members share a split seed (hsi-train -m init_seed=0,1,2 split_seed=0 makes members that do)"
            out.append({"group": group, "split_seed": None, "members": finished, "note": note})
        for seed, members in sorted(shared.items()):
            out.append({"group": group, "split_seed": seed, **ensemble_of(members)})
    return out
