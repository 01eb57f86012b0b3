"""Classifiers: HybridSN and its variants, and the baselines of single spectra (an SVM, a 1-D CNN)."""

from hsi.models.hybridsn import HybridSN
from hsi.models.spectral_cnn import SpectralCNN1D
from hsi.models.svm import SpectralSVM

__all__ = ["HybridSN", "SpectralCNN1D", "SpectralSVM"]
