"""A run folder or a sweep folder, as one predictor: a sweep's finished runs average their probabilities.

``hsi-map`` and ``hsi-predict`` take either. A run folder predicts as the run did; a sweep folder
(or any folder of finished runs) predicts with the mean of its members' class probabilities, each
member reading the scene through its own PCA and window (Lakshminarayanan et al. 2017, deep
ensembles). The members must share the scene's bands and their classes, or the folder is refused in
one sentence.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hsi.classifiers import ScenePrediction
from hsi.errors import UserError
from hsi.run_dir import FinishedRun, RunDir


@dataclass
class Members:
    """One finished run, or the finished runs of a folder, predicting together."""

    runs: list[FinishedRun]

    @property
    def first(self) -> FinishedRun:
        return self.runs[0]

    @property
    def halo(self) -> int:
        """Pixels around a tile that every member's windows need."""
        return max(run.window for run in self.runs) // 2

    @property
    def bands(self) -> int:
        return int(self.first.pca.mean.shape[0])

    @property
    def name(self) -> str:
        if len(self.runs) == 1:
            return self.first.model_name
        return f"ensemble of {len(self.runs)} runs ({', '.join(sorted({r.model_name for r in self.runs}))})"

    def shared_masks(self) -> dict[str, np.ndarray] | None:
        """The train/val/test masks when every member used the same split (for the error map), else None."""
        masks = [run.split.masks(run.scene_shape) for run in self.runs]
        same = all(m.keys() == masks[0].keys() and all(np.array_equal(m[k], masks[0][k]) for k in m) for m in masks)
        return masks[0] if same else None

    def predict_scene(self, cube: np.ndarray) -> ScenePrediction:
        """Every pixel of ``cube``: each member through its own PCA and window, probabilities averaged."""
        tic = time.perf_counter()
        predictions = [run.classifier.predict_scene(run.inputs(cube)) for run in self.runs]
        if len(predictions) == 1:
            return predictions[0]
        mean = np.mean([p.probabilities for p in predictions], axis=0)
        path = f"mean of {len(predictions)} members ({', '.join(sorted({p.path for p in predictions}))})"
        return ScenePrediction(mean.argmax(-1), mean, path, time.perf_counter() - tic)


def load_members(folder: Path, precision: str = "auto", device: str = "auto") -> Members:
    """The run in ``folder``, or every finished run below it; refused when they cannot be averaged."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"{folder} is not a folder; give a run folder or a sweep folder that hsi-train wrote.")
    found = [folder] if RunDir(folder).is_finished() else [r.path for r in RunDir.find(folder) if r.is_finished()]
    if not found:
        raise UserError(f"{folder} holds no finished run; give a run folder or a sweep folder that hsi-train wrote.")
    members = Members([RunDir(path).load(precision, device) for path in found])
    _check_compatible(members)
    return members


def _check_compatible(members: Members) -> None:
    first = members.first
    for run in members.runs[1:]:
        if run.class_names != first.class_names:
            raise UserError(
                f"The runs of this folder predict different classes ({run.model_name}: {len(run.class_names)}, "
                f"{first.model_name}: {len(first.class_names)}); give a folder whose runs share their classes."
            )
        if run.pca.mean.shape != first.pca.mean.shape:
            raise UserError(
                "The runs of this folder were trained on scenes with different bands; give a folder whose runs "
                "share their scene."
            )
