"""The classic baseline: an RBF support vector machine on the PCA spectrum of each single pixel.

Melgani, Bruzzone, "Classification of hyperspectral remote sensing images with support vector
machines", IEEE TGRS 42(8), 2004. No spatial context: comparing it with HybridSN under a random
and a spatially disjoint split shows how much of a CNN's lead comes from overlapping windows.
"""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.svm import SVC


class SpectralSVM:
    """RBF SVM (scikit-learn) on ``(N, bands)`` spectra; C and gamma by cross-validation when ``search``.

    Args:
        in_bands, window, num_classes: given by the pipeline like every model; the window is
            unused (one pixel, no neighbourhood).
        C, gamma: used as they are when ``search`` is false.
        search: pick C and gamma by a 3-fold grid search on the training pixels.
        seed: seeds the cross-validation folds.
    """

    is_torch = False
    C_GRID = (1.0, 10.0, 100.0, 1000.0)
    GAMMA_GRID = ("scale", 0.01, 0.1, 1.0)

    def __init__(self, in_bands: int, window: int, num_classes: int, C: float = 100.0,
                 gamma: float | str = "scale", search: bool = True, seed: int = 0) -> None:
        self.in_bands, self.num_classes = in_bands, num_classes
        self.C, self.gamma, self.search, self.seed = C, gamma, search, seed
        self.chosen: dict = {}
        self.classifier: SVC | None = None

    def fit(self, spectra: np.ndarray, labels: np.ndarray) -> "SpectralSVM":
        base = SVC(kernel="rbf", C=self.C, gamma=self.gamma, decision_function_shape="ovr")
        counts = np.bincount(labels)
        smallest = int(counts[counts > 0].min()) if len(labels) else 0
        if self.search and smallest >= 2:
            # Rare classes (Indian Pines' Oats has 2 training pixels at 10%) cap the folds.
            folds = min(3, smallest)
            grid = GridSearchCV(
                SVC(kernel="rbf"), {"C": list(self.C_GRID), "gamma": list(self.GAMMA_GRID)},
                cv=StratifiedKFold(folds, shuffle=True, random_state=self.seed),
            ).fit(spectra, labels)
            base.set_params(**grid.best_params_)
        self.classifier = base.fit(spectra, labels)
        self.chosen = {"C": base.C, "gamma": base.gamma}
        return self

    def predict_proba(self, spectra: np.ndarray) -> np.ndarray:
        """Class scores ``(N, num_classes)`` summing to 1: a softmax of the one-vs-rest decision values.

        Not calibrated probabilities (Platt scaling needs cross-validation folds that rare classes
        cannot fill), but their argmax is the SVM's prediction. Classes absent from training get 0.
        """
        decision = self.classifier.decision_function(spectra)
        if decision.ndim == 1:  # two classes: one signed distance
            decision = np.stack([-decision, decision], axis=1)
        scores = np.exp(decision - decision.max(axis=1, keepdims=True))
        scores /= scores.sum(axis=1, keepdims=True)
        out = np.zeros((len(spectra), self.num_classes), dtype=np.float32)
        out[:, self.classifier.classes_] = scores
        return out
