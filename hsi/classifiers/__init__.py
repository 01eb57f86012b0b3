"""One interface for every model the run trains: a network of windows or a classifier of spectra."""

from hsi.classifiers.base import Classifier, SceneInputs, ScenePrediction
from hsi.classifiers.build import as_classifier, with_segments, with_self_training
from hsi.classifiers.network import NetworkClassifier
from hsi.classifiers.spectra import SpectraClassifier

__all__ = [
    "Classifier",
    "NetworkClassifier",
    "SceneInputs",
    "ScenePrediction",
    "SpectraClassifier",
    "as_classifier",
    "with_segments",
    "with_self_training",
]
