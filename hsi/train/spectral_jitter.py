"""Spectral augmentation of training windows: brightness scaling and additive noise.

Two nuisances of a spectrometer seen from the air change a spectrum without changing what is on the
ground: illumination (slope, shadow, haze) scales the radiance of a pixel, and sensor noise adds to
every band. Nalepa, Myller and Kawulok ("Training- and Test-Time Data Augmentation for Hyperspectral
Image Segmentation", IEEE GRSL 17(2), 2020) train with noise injected into the spectra for this reason.

The windows hold the run's PCA components, not the bands. PCA is affine (``z = A (x - mean)``), so
scaling a spectrum ``x`` by ``a`` moves its components to ``dark + a * (z - dark)``, where ``dark`` is
the components of an all-zero (black) spectrum: brightness is scaled about ``dark``, exactly (zero
padding beyond the scene's edge stands for the mean spectrum and is scaled alike). The
noise is added to the components themselves: whitened PCA gives every component unit variance over
the pixels it was fitted on, so ``spectral_noise`` is a fraction of each component's spread.
"""

from __future__ import annotations

import torch


def scale_brightness(
    x: torch.Tensor, spread: float, generator: torch.Generator, dark: torch.Tensor | None = None
) -> torch.Tensor:
    """Each window ``(N, 1, K, h, w)`` as if its spectra were scaled by its own factor, drawn uniformly
    from ``[1 - spread, 1 + spread]``; about ``dark (K,)``, or about zero when not given."""
    factors = 1.0 + spread * (2.0 * torch.rand(len(x), generator=generator) - 1.0)
    factors = factors.reshape(-1, *([1] * (x.dim() - 1)))
    if dark is None:
        return x * factors
    dark = dark.reshape(1, 1, -1, 1, 1).to(x.dtype)
    return dark + factors * (x - dark)


def add_noise(x: torch.Tensor, sigma: float, generator: torch.Generator) -> torch.Tensor:
    """Independent Gaussian noise of standard deviation ``sigma`` on every value of the windows."""
    return x + sigma * torch.randn(x.shape, generator=generator, dtype=x.dtype)
