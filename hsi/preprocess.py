"""Spectral reduction (PCA) fitted on a declared set of pixels, and spatial padding.

HybridSN (Roy et al., "HybridSN: Exploring 3-D-2-D CNN Feature Hierarchy for Hyperspectral
Image Classification", IEEE GRSL 2020) reduces the bands with whitened PCA (30 components for
Indian Pines) fitted on every pixel of the scene. That fit sees the test pixels; ``fit_scope``
makes the choice explicit: ``all`` (the reference), ``labeled`` or ``train`` (leak-free).
``reduction=bands`` keeps every band in order instead, each standardised on the same pixels, for
networks that read a spectrum along its bands (:mod:`hsi.models.spectral_first`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from sklearn.decomposition import PCA

from hsi.errors import UserError

FIT_SCOPES = ("all", "labeled", "train")
PAD_MODES = ("zero", "reflect")
REDUCTIONS = ("pca", "bands")


@dataclass
class SpectralPCA:
    """A fitted PCA, kept as plain arrays so it travels inside a weights-only checkpoint."""

    mean: np.ndarray  # (B,)
    components: np.ndarray  # (K, B)
    explained_variance: np.ndarray  # (K,)
    whiten: bool

    @property
    def num_components(self) -> int:
        return int(self.components.shape[0])

    def transform(self, cube: np.ndarray) -> np.ndarray:
        """Project an ``(H, W, B)`` cube to ``(H, W, K)`` float32 (same maths as sklearn's)."""
        h, w, b = cube.shape
        if b != self.mean.shape[0]:
            raise UserError(
                f"The scene has {b} bands but the PCA was fitted on {self.mean.shape[0]}; "
                "use a scene with the same bands as the training scene."
            )
        flat = cube.reshape(-1, b).astype(np.float64) - self.mean
        out = flat @ self.components.T
        if self.whiten:
            out /= np.sqrt(self.explained_variance)
        return out.reshape(h, w, -1).astype(np.float32)

    def state_dict(self) -> dict:
        return {
            "mean": torch.from_numpy(self.mean),
            "components": torch.from_numpy(self.components),
            "explained_variance": torch.from_numpy(self.explained_variance),
            "whiten": self.whiten,
        }

    @classmethod
    def from_state_dict(cls, state: dict) -> SpectralPCA:
        return cls(
            mean=state["mean"].numpy(),
            components=state["components"].numpy(),
            explained_variance=state["explained_variance"].numpy(),
            whiten=bool(state["whiten"]),
        )


def check_fit_scope(fit_scope: str) -> None:
    if fit_scope not in FIT_SCOPES:
        raise UserError(f"preprocess.fit_scope is '{fit_scope}'; choose one of {', '.join(FIT_SCOPES)}.")


def check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise UserError(f"preprocess.reduction is '{reduction}'; choose one of {', '.join(REDUCTIONS)}.")


def input_channels(reduction: str, n_components: int, bands: int) -> int:
    """What a window holds along its spectral axis: the PCA's components, or every band."""
    check_reduction(reduction)
    return bands if reduction == "bands" else n_components


def fit_pixels_mask(gt: np.ndarray, train_mask: np.ndarray, fit_scope: str) -> np.ndarray:
    """Which pixels the PCA may see: every pixel, the labelled ones, or the training ones."""
    check_fit_scope(fit_scope)
    if fit_scope == "all":
        return np.ones_like(gt, dtype=bool)
    if fit_scope == "labeled":
        return gt > 0
    return train_mask.astype(bool)  # "train"


def fit_pca(
    cube: np.ndarray, fit_mask: np.ndarray, n_components: int, whiten: bool = True, seed: int = 0
) -> SpectralPCA:
    """Fit PCA on the spectra of the pixels in ``fit_mask`` (sklearn does the decomposition)."""
    bands = cube.shape[2]
    pixels = cube[fit_mask].astype(np.float64)
    if not 1 <= n_components <= min(bands, len(pixels)):
        raise UserError(
            f"preprocess.n_components is {n_components} but the scene has {bands} bands "
            f"and the PCA is fitted on {len(pixels)} pixels; choose at most {min(bands, len(pixels))}."
        )
    pca = PCA(n_components=n_components, whiten=whiten, random_state=seed).fit(pixels)
    return SpectralPCA(pca.mean_, pca.components_, pca.explained_variance_, whiten)


def fit_band_scaling(cube: np.ndarray, fit_mask: np.ndarray) -> SpectralPCA:
    """Every band kept in order, standardised by its mean and spread over the pixels in ``fit_mask``.

    Written as the whitened projection onto the identity, so that a run's checkpoint, ``hsi-map`` and
    ``hsi-predict`` read it as they read a PCA; a band constant over those pixels stays 0.
    """
    pixels = cube[fit_mask].astype(np.float64)
    variance = pixels.var(0)
    variance = np.where(variance > 0, variance, 1.0)
    return SpectralPCA(pixels.mean(0), np.eye(cube.shape[2]), variance, whiten=True)


def fit_reduction(
    cube: np.ndarray, fit_mask: np.ndarray, reduction: str, n_components: int, whiten: bool = True, seed: int = 0
) -> SpectralPCA:
    """The run's spectral preprocessing: :func:`fit_pca`, or :func:`fit_band_scaling` for ``bands``."""
    check_reduction(reduction)
    if reduction == "bands":
        return fit_band_scaling(cube, fit_mask)
    return fit_pca(cube, fit_mask, n_components, whiten=whiten, seed=seed)


def pad_cube(cube: np.ndarray, margin: int, mode: str = "zero") -> torch.Tensor:
    """Pad an ``(H, W, K)`` cube by ``margin`` on each side; return it as ``(K, H+2m, W+2m)`` float32.

    The reference pads with zeros; ``reflect`` mirrors the scene instead, which keeps the
    statistics of border windows closer to interior ones.
    """
    if mode not in PAD_MODES:
        raise UserError(f"preprocess.padding is '{mode}'; choose one of {', '.join(PAD_MODES)}.")
    h, w = cube.shape[:2]
    if mode == "reflect" and margin >= min(h, w):
        raise UserError(
            f"reflect padding of {margin} pixels needs a scene larger than {margin} pixels on each side "
            f"(this one is {h}x{w}); use preprocess.padding=zero or a smaller window."
        )
    np_mode = "constant" if mode == "zero" else "reflect"
    padded = np.pad(cube, ((margin, margin), (margin, margin), (0, 0)), mode=np_mode)
    return torch.from_numpy(np.ascontiguousarray(padded.transpose(2, 0, 1), dtype=np.float32))
