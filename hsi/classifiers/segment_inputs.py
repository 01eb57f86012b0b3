"""Any classifier that reads the spectra of the scene's own segments (:class:`hsi.segments.SegmentInputs`).

It fits, saves and loads as the classifier it wraps; only its inputs differ: before every fit and
prediction the scene is cut into SLIC segments of its PCA image, and each pixel's spectrum is joined
with, or replaced by, its segment's mean. A pixel's input then depends on the whole scene, so
:meth:`predict_pixels` reads the whole scene's segments too.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from hsi.classifiers.base import Classifier, SceneInputs, ScenePrediction
from hsi.errors import UserError
from hsi.segments import SegmentInputs, superpixels


class SegmentInputClassifier:
    """``inner`` fed segment spectra; every attribute but fit, the predictions and the record is ``inner``'s."""

    def __init__(self, inner: Classifier, segment_inputs: SegmentInputs) -> None:
        if segment_inputs.mode == "stack" and not inner.own_preprocessing:
            raise UserError(
                "segments.input_mode=stack joins two spectra into one input, which only the models of single "
                "spectra read (model=svm, model=spectral_cnn1d); use segments.input_mode=mean with this model."
            )
        self.inner, self.segment_inputs = inner, segment_inputs

    def __getattr__(self, name: str):
        # Only reached for what this class does not define: history, state_dict... are the inner ones.
        return getattr(self.inner, name)

    def _inputs(self, inputs: SceneInputs) -> SceneInputs:
        segments = superpixels(inputs.reduced, self.segment_inputs.segmentation)
        raw = self.segment_inputs.transform(inputs.raw.astype(np.float32), segments)
        # stacking is refused for models of PCA windows, so only the mean replaces the PCA image they read
        mean = self.segment_inputs.mode == "mean"
        reduced = self.segment_inputs.transform(inputs.reduced, segments) if mean else inputs.reduced
        return dataclasses.replace(inputs, raw=raw, reduced=reduced)

    def fit(self, inputs: SceneInputs, labels: np.ndarray, split, seed: int, resume_state: dict | None = None) -> None:
        self.inner.fit(self._inputs(inputs), labels, split, seed=seed, resume_state=resume_state)

    def predict_scene(self, inputs: SceneInputs) -> ScenePrediction:
        return self.inner.predict_scene(self._inputs(inputs))

    def predict_pixels(self, inputs: SceneInputs, pixels: np.ndarray) -> np.ndarray:
        return self.inner.predict_pixels(self._inputs(inputs), pixels)

    def training_record(self) -> dict:
        return {**self.inner.training_record(), "segment_inputs": self.segment_inputs.record()}
