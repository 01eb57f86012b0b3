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
from sklearn.model_selection import GridSearchCV, StratifiedGroupKFold, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from hsi.errors import UserError


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
        cv_folds: ``random`` (stratified folds) or ``regions``: each region of training pixels
            (given to :meth:`fit`) lies wholly in one fold, so a fold is never tested on the
            neighbours of its own training pixels, as a spatially disjoint test set is not (blocked
            cross-validation: Roberts et al., Ecography 40, 2017); or ``blocks``: each region cut
            by a grid of ``CV_BLOCK`` x ``CV_BLOCK`` pixel blocks, each piece wholly in one fold. Where a
            class trains from one region (``split=fields`` trains most classes from one patch of one
            field), region folds test it in the fold that holds none of its training pixels, so every
            setting scores nearly 0 and the search chooses nothing; its blocks still part it.
        seed: seeds the cross-validation folds and the PCA's solver.
    """

    wants_raw_spectra = True
    C_GRID = (1.0, 10.0, 100.0, 1000.0, 10000.0)
    GAMMA_SCALE_GRID = (0.1, 0.3, 1.0, 3.0, 10.0)
    COMPONENTS_GRID = (None, 30)
    CV_BLOCK = 8  # the side of the blocks of cv_folds=blocks: the disjoint split's own block

    def __init__(
        self,
        in_bands: int,
        window: int,
        num_classes: int,
        C: float = 100.0,
        gamma_scale: float = 1.0,
        components: int | None = None,
        search: bool = True,
        cv_folds: str = "random",
        seed: int = 0,
    ) -> None:
        if cv_folds not in ("random", "regions", "blocks"):
            raise UserError(f"model.cv_folds is {cv_folds!r}; it must be random, regions or blocks.")
        self.cv_folds = cv_folds
        self.wants_training_regions = cv_folds in ("regions", "blocks")
        self.region_block = self.CV_BLOCK if cv_folds == "blocks" else None
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

    def folds(self, labels: np.ndarray, regions: np.ndarray | None):
        """The cross-validation splits: stratified, and with ``regions`` each region in one fold."""
        counts = np.bincount(labels)
        smallest = int(counts[counts > 0].min())
        if regions is None:
            return list(StratifiedKFold(min(3, smallest), shuffle=True, random_state=self.seed).split(labels, labels))
        k = min(3, smallest, len(np.unique(regions)))
        splitter = StratifiedGroupKFold(k, shuffle=True, random_state=self.seed)
        return list(splitter.split(labels, labels, regions))

    def fit(self, spectra: np.ndarray, labels: np.ndarray, regions: np.ndarray | None = None) -> SpectralSVM:
        """Fit on the training pixels; ``regions`` (one id per pixel) makes the folds of ``cv_folds=regions``
        or ``blocks``."""
        spectra = np.asarray(spectra, dtype=np.float64)
        bands = spectra.shape[1]
        settings = {"C": self.C, "gamma_scale": self.gamma_scale, "components": self.components}
        counts = np.bincount(labels)
        smallest = int(counts[counts > 0].min()) if len(labels) else 0
        regions = regions if self.wants_training_regions else None
        if self.search and smallest >= 2 and (regions is None or len(np.unique(regions)) >= 2):
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
                cv=self.folds(labels, regions),
            )
            search.fit(spectra, labels)
            best = search.best_params_
            reduce = best["reduce"]
            settings = {
                "C": best["svm__C"],
                "gamma_scale": best["svm__gamma"] * bands,
                "components": None if reduce == "passthrough" else reduce.n_components,
            }
            self.chosen = {"cv_accuracy": float(search.best_score_), "cv_folds": self.cv_folds}
        self.classifier = self._pipeline(bands, **settings).fit(spectra, labels)
        self.chosen.update(settings, bands=bands)
        return self

    def keep_choices(self) -> None:
        """Fit from now on with the C, gamma and components the last search chose, searching no more (the
        refits of self-training, whose pseudo-labels would otherwise choose them)."""
        if {"C", "gamma_scale", "components"} <= set(self.chosen):
            self.C, self.gamma_scale, self.components = (self.chosen[k] for k in ("C", "gamma_scale", "components"))
        self.search = False

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
