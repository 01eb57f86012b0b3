"""Self-training: a classifier fitted again on its own most confident pixels of the scene.

After the first fit the scene is classified (through the run's segment smoothing, where it has one),
and for each class the pixels it claims most confidently, ``share`` times as many as the class has training
pixels, join the training pixels with the class predicted for them; the classifier is then fitted
again, ``rounds`` times in all. This is the classic self-labelling of semi-supervised learning
(Yarowsky, ACL 1995; for hyperspectral images, Dopido et al., "Semisupervised Self-Learning for
Hyperspectral Image Classification", IEEE TGRS 51(7), 2013). It reads every pixel's spectrum and no
label beyond the training pixels': transductive, as the run's report says. Validation pixels are
never pseudo-labelled, so validation still judges pixels the classifier did not train on in any
form; test pixels may be, as any pixel of a new scene would be.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np

from hsi.classifiers.base import Classifier, SceneInputs
from hsi.errors import UserError
from hsi.splits import Split


@dataclass(frozen=True)
class SelfTraining:
    """``share``: pseudo-labels per class, as a multiple of its training pixels; ``rounds``: fits after the first."""

    share: float
    rounds: int = 1

    @classmethod
    def from_config(cls, section) -> SelfTraining | None:
        if section is None or section.get("share") is None:
            return None
        share, rounds = section.get("share"), section.get("rounds", 1)
        if isinstance(share, bool) or not isinstance(share, int | float) or share <= 0:
            raise UserError(
                f"self_training.share is {share!r}; give the pseudo-labels per class as a multiple of its "
                "training pixels, above 0 (or null: off)."
            )
        if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 1:
            raise UserError(f"self_training.rounds is {rounds!r}; it must be a whole number of at least 1.")
        return cls(float(share), rounds)

    def words(self) -> str:
        times = {1: "once", 2: "twice"}.get(self.rounds, f"{self.rounds} times")
        return (
            f"fitted again {times} with its own most confident pixels of the scene, {self.share:g}x each class's "
            "training pixels (transductive: no label read beyond the training pixels')"
        )


def pseudo_labels(
    probabilities: np.ndarray, train_labels: np.ndarray, excluded: np.ndarray, share: float
) -> tuple[np.ndarray, np.ndarray]:
    """Flat pixels and zero-based classes: per class, its ``share x training count`` most confident pixels.

    ``probabilities`` is ``(pixels, classes)``; ``excluded`` (boolean over pixels) may not be chosen.
    Ties in confidence go to the lower pixel index, so the choice is a function of its inputs.
    """
    predicted, confidence = probabilities.argmax(1), probabilities.max(1)
    counts = np.bincount(train_labels, minlength=probabilities.shape[1])
    pixels = []
    for k in np.flatnonzero(counts):
        candidates = np.flatnonzero((predicted == k) & ~excluded)
        order = np.lexsort((candidates, -confidence[candidates]))
        pixels.append(candidates[order[: int(round(share * counts[k]))]])
    chosen = np.sort(np.concatenate(pixels)) if pixels else np.empty(0, np.int64)
    return chosen, predicted[chosen]


class SelfTrainedClassifier:
    """``inner`` fitted, then fitted again with pseudo-labels; every other attribute is ``inner``'s."""

    def __init__(self, inner: Classifier, self_training: SelfTraining) -> None:
        if not inner.own_preprocessing:
            raise UserError(
                "self_training fits a model again from scratch, which only the models of single spectra do "
                "(model=svm, model=spectral_cnn1d); set self_training.share=null for this model."
            )
        self.inner, self.self_training = inner, self_training
        self.pseudo_counts: list[int] = []

    def __getattr__(self, name: str):
        # Only reached for what this class does not define: the predictions, state_dict... are the inner ones.
        return getattr(self.inner, name)

    def fit(self, inputs: SceneInputs, labels: np.ndarray, split: Split, seed: int, resume_state=None) -> None:
        tic = time.perf_counter()
        self.inner.fit(inputs, labels, split, seed=seed, resume_state=resume_state)
        excluded = np.zeros(labels.size, bool)
        excluded[split.train] = excluded[split.val] = True
        keep_choices = getattr(getattr(self.inner, "model", None), "keep_choices", None)
        if keep_choices is not None:
            keep_choices()  # the SVM's C and gamma stay those its search chose on the training pixels
        for _ in range(self.self_training.rounds):
            probabilities = self.inner.predict_scene(inputs).probabilities
            pixels, classes = pseudo_labels(
                probabilities.reshape(labels.size, -1), labels[split.train], excluded, self.self_training.share
            )
            extended = labels.copy()
            extended[pixels] = classes
            train = np.sort(np.concatenate([split.train, pixels]))
            self.inner.fit(inputs, extended, dataclasses.replace(split, train=train), seed=seed)
            self.pseudo_counts.append(len(pixels))
        self.fit_seconds = time.perf_counter() - tic

    def training_record(self) -> dict:
        record = {"share": self.self_training.share, "rounds": self.self_training.rounds}
        return {**self.inner.training_record(), "self_training": {**record, "pseudo_labels": self.pseudo_counts}}
