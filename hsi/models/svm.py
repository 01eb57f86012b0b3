"""The classic baseline: an RBF support vector machine on the spectrum of each single pixel.

Melgani, Bruzzone, "Classification of hyperspectral remote sensing images with support vector
machines", IEEE TGRS 42(8), 2004. No spatial context: comparing it with HybridSN under a random
and a spatially disjoint split shows how much of a CNN's lead comes from overlapping windows.

A baseline gets its own best preprocessing, not the CNN's. The CNN's whitened PCA scales 30
components to unit variance, so noise components weigh as much as signal in an RBF kernel's
distances (on one Indian Pines split: 63.8% OA against 73.1% on all bands). Here the SVM takes
the raw spectra, standardises every band on the training pixels, and chooses by
cross-validation on the training pixels, alongside C and gamma, between all bands and an
*unwhitened* PCA (which keeps the distances of the standardised spectra, minus the
discarded components).
"""

from __future__ import annotations

import numpy as np
import skops.io
import torch
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC


class SpectralSVM:
    """Standardised spectra -> (all bands | unwhitened PCA) -> RBF SVM, chosen by cross-validation.

    Args:
        in_bands, window, num_classes: given by the pipeline like every model; ``in_bands`` (the
            CNN's PCA size) and ``window`` are unused: the SVM reads raw spectra.
        C, gamma_scale, components: used as they are when ``search`` is false. ``gamma`` is
            ``gamma_scale`` times 1 / bands (scikit-learn's "scale" for standardised inputs);
            ``components`` null means all bands.
        search: choose C, gamma and components by a stratified k-fold grid search (k = 3, or
            fewer when a class has fewer training pixels) on the training pixels.
        seed: seeds the cross-validation folds and the PCA's solver.
    """

    wants_raw_spectra = True
    C_GRID = (1.0, 10.0, 100.0, 1000.0, 10000.0)
    GAMMA_SCALE_GRID = (0.1, 0.3, 1.0, 3.0, 10.0)
    COMPONENTS_GRID = (None, 30)

    def __init__(
        self,
        in_bands: int,
        window: int,
        num_classes: int,
        C: float = 100.0,
        gamma_scale: float = 1.0,
        components: int | None = None,
        search: bool = True,
        seed: int = 0,
    ) -> None:
        self.num_classes = num_classes
        self.C, self.gamma_scale, self.components, self.search, self.seed = C, gamma_scale, components, search, seed
        self.chosen: dict = {}
        self.classifier: Pipeline | None = None

    def _pipeline(self, bands: int, C: float, gamma_scale: float, components: int | None) -> Pipeline:
        reduce = (
            "passthrough" if components is None else PCA(min(components, bands), whiten=False, random_state=self.seed)
        )
        return Pipeline(
            [
                ("standardise", StandardScaler()),
                ("reduce", reduce),
                ("svm", SVC(kernel="rbf", C=C, gamma=gamma_scale / bands, decision_function_shape="ovr")),
            ]
        )

    def fit(self, spectra: np.ndarray, labels: np.ndarray) -> SpectralSVM:
        spectra = np.asarray(spectra, dtype=np.float64)
        bands = spectra.shape[1]
        settings = {"C": self.C, "gamma_scale": self.gamma_scale, "components": self.components}
        counts = np.bincount(labels)
        smallest = int(counts[counts > 0].min()) if len(labels) else 0
        if self.search and smallest >= 2:
            # Rare classes (Indian Pines' Oats has 2 training pixels at 10%) cap the folds.
            grid = [
                {
                    "reduce": ["passthrough"]
                    if c is None
                    else [PCA(min(c, bands), whiten=False, random_state=self.seed)],
                    "svm__C": list(self.C_GRID),
                    "svm__gamma": [g / bands for g in self.GAMMA_SCALE_GRID],
                }
                for c in self.COMPONENTS_GRID
                if c is None or c < bands
            ]
            search = GridSearchCV(
                self._pipeline(bands, self.C, self.gamma_scale, None),
                grid,
                cv=StratifiedKFold(min(3, smallest), shuffle=True, random_state=self.seed),
            )
            search.fit(spectra, labels)
            best = search.best_params_
            reduce = best["reduce"]
            settings = {
                "C": best["svm__C"],
                "gamma_scale": best["svm__gamma"] * bands,
                "components": None if reduce == "passthrough" else reduce.n_components,
            }
            self.chosen = {"cv_accuracy": float(search.best_score_)}
        self.classifier = self._pipeline(bands, **settings).fit(spectra, labels)
        self.chosen.update(settings, bands=bands)
        return self

    def predict_proba(self, spectra: np.ndarray) -> np.ndarray:
        """Class scores ``(N, num_classes)`` summing to 1: a softmax of the one-vs-rest decision values.

        Not calibrated probabilities (Platt scaling needs cross-validation folds that rare classes
        cannot fill), but their argmax is the SVM's prediction. Classes absent from training get 0.
        """
        decision = self.classifier.decision_function(np.asarray(spectra, dtype=np.float64))
        if decision.ndim == 1:  # two classes: one signed distance
            decision = np.stack([-decision, decision], axis=1)
        scores = np.exp(decision - decision.max(axis=1, keepdims=True))
        scores /= scores.sum(axis=1, keepdims=True)
        out = np.zeros((len(spectra), self.num_classes), dtype=np.float32)
        out[:, self.classifier.classes_] = scores
        return out

    def num_parameters(self) -> None:
        """None: an SVM keeps support vectors, not a fixed number of learnt weights."""
        return None

    def state_dict(self) -> dict:
        """The fitted pipeline as skops bytes (a format that loads without running code), and the choice made."""
        blob = skops.io.dumps(self.classifier)
        return {"skops": torch.frombuffer(bytearray(blob), dtype=torch.uint8), "chosen": dict(self.chosen)}

    def load_state_dict(self, state: dict) -> None:
        """Restore a fitted pipeline; only the types scikit-learn's pipeline is made of are accepted."""
        blob = bytes(state["skops"].numpy().tobytes())
        untrusted = skops.io.get_untrusted_types(data=blob)
        if untrusted:
            raise ValueError(f"the saved SVM holds types that are not part of its pipeline: {', '.join(untrusted)}")
        self.classifier = skops.io.loads(blob)
        self.chosen = dict(state["chosen"])
