"""What the run needs from a classifier, whatever it holds (HybridSN and its trainer, or the SVM).

The run fits, predicts and saves through this interface only, so it never asks which kind of
model it holds; each kind reads the inputs it needs from :class:`SceneInputs`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from hsi.splits import Split


@dataclass(frozen=True)
class SceneInputs:
    """A scene as the classifiers may read it.

    ``reduced`` is the cube after the run's PCA ``(H, W, components)``; ``raw`` the original cube
    ``(H, W, bands)``, for classifiers with their own preprocessing; ``window`` and ``padding``
    say how windows are cut around each pixel; ``dark`` is the PCA image ``(components,)`` of an
    all-zero spectrum (brightness augmentation scales about it), None where no training happens.
    """

    reduced: np.ndarray
    raw: np.ndarray
    window: int
    padding: str
    dark: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return self.reduced.shape[0], self.reduced.shape[1]

    @classmethod
    def from_cube(cls, cube: np.ndarray, pca, window: int, padding: str, training: bool = False) -> SceneInputs:
        """A cube through a fitted :class:`~hsi.preprocess.SpectralPCA`; ``training`` adds the dark image."""
        dark = pca.transform(np.zeros((1, 1, cube.shape[2]), dtype=cube.dtype)).reshape(-1) if training else None
        return cls(pca.transform(cube), cube, int(window), str(padding), dark)


@dataclass
class ScenePrediction:
    """Every pixel of a scene: zero-based ``labels (H, W)``, ``probabilities (H, W, K)``, and how."""

    labels: np.ndarray
    probabilities: np.ndarray
    path: str
    seconds: float

    def info(self) -> dict:
        return {"path": self.path, "seconds": self.seconds, "pixels": int(self.labels.size)}


class Classifier(Protocol):
    """The interface of :class:`~hsi.classifiers.NetworkClassifier` and :class:`~hsi.classifiers.SpectraClassifier`."""

    own_preprocessing: bool  # reads raw spectra (its own scaling), not the run's PCA
    history: list[dict]  # one record per epoch; empty without epochs
    best_epoch: int | None
    fit_seconds: float

    def fit(
        self, inputs: SceneInputs, labels: np.ndarray, split: Split, seed: int, resume_state: dict | None = None
    ) -> None:
        """Learn ``labels`` (zero-based, every flat pixel) at ``split.train``."""

    def predict_pixels(self, inputs: SceneInputs, pixels: np.ndarray) -> np.ndarray:
        """Zero-based labels of the flat pixel indices ``pixels``."""

    def predict_scene(self, inputs: SceneInputs) -> ScenePrediction:
        """Labels and probabilities of every pixel, by the fastest exact path."""

    def training_record(self) -> dict:
        """How it was trained, for the report (epochs and precision, or the settings it chose)."""

    def num_parameters(self) -> int | None:
        """Learnt parameters, where the notion applies."""

    def state_dict(self) -> dict:
        """What a checkpoint keeps to predict again (tensors, numbers, strings, lists, dicts)."""

    def load_state_dict(self, state: dict) -> None:
        """Restore what :meth:`state_dict` returned."""
