"""Classifiers: HybridSN and variants, a spectral-first network, and baselines of single spectra (SVM, 1-D CNN)."""

from hsi.models.hybridsn import HybridSN
from hsi.models.spectral_cnn import SpectralCNN1D
from hsi.models.spectral_first import SpectralFirstNet
from hsi.models.svm import SpectralSVM

__all__ = ["HybridSN", "SpectralCNN1D", "SpectralFirstNet", "SpectralSVM"]
