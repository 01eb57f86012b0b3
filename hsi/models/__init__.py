"""Classifiers: HybridSN and its variants, and the spectral SVM baseline."""

from hsi.models.hybridsn import HybridSN
from hsi.models.svm import SpectralSVM

__all__ = ["HybridSN", "SpectralSVM"]
