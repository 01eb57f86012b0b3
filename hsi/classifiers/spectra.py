"""A classifier of single spectra (the SVM and 1-D CNN baselines): no windows, no epochs to report."""

from __future__ import annotations

import time

import numpy as np

from hsi.classifiers.base import SceneInputs, ScenePrediction
from hsi.splits import Split
from hsi.splits.base import block_index
from hsi.splits.fields import field_index


class SpectraClassifier:
    """Wraps a model with ``fit(spectra, labels)``, ``predict_proba(spectra)``, ``num_parameters()``, ``state_dict()``.

    A model with ``wants_raw_spectra = True`` reads the raw cube and does its own scaling;
    others read the run's PCA cube. A model with ``wants_training_regions = True`` is also given,
    for each training pixel, the 8-connected region of its class's training pixels it lies in; one with
    ``wants_scene_spectra`` true, every pixel's spectrum of the scene, without labels.
    """

    def __init__(self, model) -> None:
        self.model = model
        self.history: list[dict] = []
        self.best_epoch: int | None = None
        self.own_preprocessing = bool(getattr(model, "wants_raw_spectra", False))
        self.fit_seconds = 0.0

    def _spectra(self, inputs: SceneInputs) -> np.ndarray:
        cube = inputs.raw.astype(np.float32) if self.own_preprocessing else inputs.reduced
        return cube.reshape(-1, cube.shape[-1])

    def fit(
        self, inputs: SceneInputs, labels: np.ndarray, split: Split, seed: int, resume_state: dict | None = None
    ) -> None:
        spectra = self._spectra(inputs)
        tic = time.perf_counter()
        extra = {}
        if getattr(self.model, "wants_training_regions", False):
            block = getattr(self.model, "region_block", None)
            extra["regions"] = training_regions(labels, split.train, inputs.shape, block=block)
        if getattr(self.model, "wants_scene_spectra", False):  # every pixel, no label: transductive pre-training
            extra["scene"] = spectra
        self.model.fit(spectra[split.train], labels[split.train], **extra)
        self.fit_seconds = time.perf_counter() - tic

    def predict_pixels(self, inputs: SceneInputs, pixels: np.ndarray) -> np.ndarray:
        return self.model.predict_proba(self._spectra(inputs)[pixels]).argmax(1)

    def predict_scene(self, inputs: SceneInputs) -> ScenePrediction:
        tic = time.perf_counter()
        height, width = inputs.shape
        probabilities = self.model.predict_proba(self._spectra(inputs)).reshape(height, width, -1)
        return ScenePrediction(probabilities.argmax(-1), probabilities, "spectra", time.perf_counter() - tic)

    def training_record(self) -> dict:
        return {"classifier": type(self.model).__name__, **self.model.chosen}

    def num_parameters(self) -> int | None:
        return self.model.num_parameters()

    def state_dict(self) -> dict:
        return self.model.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state)


def training_regions(
    labels: np.ndarray, train: np.ndarray, shape: tuple[int, int], block: int | None = None
) -> np.ndarray:
    """For each training pixel, the number of the 8-connected region of its class's training pixels, or with
    ``block``, of the piece of that region within one ``block x block`` block of the scene.

    Under a random split most regions are single pixels; under a spatially disjoint split they are
    whole training blocks, under ``split=fields`` the training patches of each field.
    """
    image = np.zeros(shape[0] * shape[1], dtype=np.int64)
    image[train] = labels[train] + 1
    regions = field_index(image.reshape(shape)).ravel()[train]
    if block is None:
        return regions
    pieces = np.stack([regions, block_index(shape, block).ravel()[train]], axis=1)
    return np.unique(pieces, axis=0, return_inverse=True)[1].ravel()
