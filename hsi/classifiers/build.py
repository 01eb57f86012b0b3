"""The one place that tells the kinds of model apart: at construction."""

from __future__ import annotations

from torch import nn

from hsi.classifiers.base import Classifier
from hsi.classifiers.network import NetworkClassifier
from hsi.classifiers.spectra import SpectraClassifier


def as_classifier(model, trainer=None, precision: str = "fp32", device="cpu", tta: bool = False) -> Classifier:
    """A network of windows (with the trainer that fits it) or a classifier of spectra (fit/predict_proba)."""
    if isinstance(model, nn.Module):
        return NetworkClassifier(model, trainer, precision=precision, device=device, tta=tta)
    return SpectraClassifier(model)
