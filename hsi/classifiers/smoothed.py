"""Any classifier with its map smoothed by the scene's own segments (:mod:`hsi.segments`).

It fits, saves and loads as the classifier it wraps; only what it predicts differs: every pixel's
probabilities are the mean over its SLIC segment of the PCA image it is given, so a pixel's label
depends on the whole scene, and :meth:`predict_pixels` classifies the whole scene first.
"""

from __future__ import annotations

import time

import numpy as np

from hsi.classifiers.base import Classifier, SceneInputs, ScenePrediction
from hsi.segments import SegmentSmoothing, segment_mean, superpixels


class SegmentSmoothedClassifier:
    """``inner`` with segment smoothing; every attribute but the predictions and the record is ``inner``'s."""

    def __init__(self, inner: Classifier, smoothing: SegmentSmoothing) -> None:
        self.inner, self.smoothing = inner, smoothing

    def __getattr__(self, name: str):
        # Only reached for what this class does not define: fit, history, state_dict... are the inner ones.
        return getattr(self.inner, name)

    def predict_scene(self, inputs: SceneInputs) -> ScenePrediction:
        plain = self.inner.predict_scene(inputs)
        tic = time.perf_counter()
        segments = superpixels(inputs.reduced, self.smoothing)
        probabilities = segment_mean(plain.probabilities, segments)
        seconds = plain.seconds + time.perf_counter() - tic
        path = f"{plain.path}, then the mean over {int(segments.max()) + 1} segments"
        return ScenePrediction(probabilities.argmax(-1), probabilities, path, seconds)

    def predict_pixels(self, inputs: SceneInputs, pixels: np.ndarray) -> np.ndarray:
        return self.predict_scene(inputs).labels.ravel()[np.asarray(pixels, dtype=np.int64)]

    def training_record(self) -> dict:
        return {**self.inner.training_record(), "segments": self.smoothing.record()}
