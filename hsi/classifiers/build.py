"""The one place that tells the kinds of model apart: at construction."""

from __future__ import annotations

from torch import nn

from hsi.classifiers.base import Classifier
from hsi.classifiers.network import NetworkClassifier
from hsi.classifiers.segment_inputs import SegmentInputClassifier
from hsi.classifiers.self_training import SelfTrainedClassifier, SelfTraining
from hsi.classifiers.smoothed import SegmentSmoothedClassifier
from hsi.classifiers.spectra import SpectraClassifier
from hsi.segments import SegmentInputs, SegmentSmoothing


def as_classifier(model, trainer=None, precision: str = "fp32", device="cpu", tta: bool = False) -> Classifier:
    """A network of windows (with the trainer that fits it) or a classifier of spectra (fit/predict_proba)."""
    if isinstance(model, nn.Module):
        return NetworkClassifier(model, trainer, precision=precision, device=device, tta=tta)
    return SpectraClassifier(model)


def with_segments(classifier: Classifier, segments_config) -> Classifier:
    """``classifier`` with the segment inputs and the segment smoothing a run's ``segments`` section asks
    for (itself when both are off); the smoothing reads the segments of the scene's own PCA image."""
    segment_inputs = SegmentInputs.from_config(segments_config)
    if segment_inputs is not None:
        classifier = SegmentInputClassifier(classifier, segment_inputs)
    smoothing = SegmentSmoothing.from_config(segments_config)
    return classifier if smoothing is None else SegmentSmoothedClassifier(classifier, smoothing)


def with_self_training(classifier: Classifier, self_training_config) -> Classifier:
    """``classifier`` fitted again on its own confident pixels where ``self_training`` asks (itself when off).

    Wrap the classifier with its segments first: the pseudo-labels are read from the smoothed map."""
    self_training = SelfTraining.from_config(self_training_config)
    return classifier if self_training is None else SelfTrainedClassifier(classifier, self_training)
