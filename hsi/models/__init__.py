"""Classifiers: HybridSN and its variants."""

from hsi.models.hybridsn import HybridSN

__all__ = ["HybridSN"]
