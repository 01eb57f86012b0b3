"""Segment smoothing: a classifier's class probabilities averaged over the scene's own segments.

A per-pixel classifier (the SVM, the 1-D CNN) knows nothing of its neighbours, so its map is
speckled; a patch network learns the texture of its training fields, which need not hold on new
ground. Smoothing by segments adds spatial context that is learnt from no field at all: the
scene is cut into superpixels of similar spectra (SLIC, Achanta et al., "SLIC Superpixels
Compared to State-of-the-Art Superpixel Methods", IEEE TPAMI 2012, as scikit-image implements
it), and every pixel takes the mean class probabilities of its segment: the soft form of the
majority vote within segments of Tarabalka, Benediktsson and Chanussot ("Spectral-Spatial
Classification of Hyperspectral Imagery Based on Partitional Clustering Techniques", IEEE TGRS
2009).

The segments are computed from every pixel of the scene being classified, with no label read:
the method is transductive (the map of a scene depends on the whole of that scene), which the
run's report says.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hsi.errors import UserError


@dataclass(frozen=True)
class SegmentSmoothing:
    """``size``: about this many pixels a SLIC superpixel (a size, not a count, so that it means the same
    on another scene and on each tile ``hsi-predict`` reads); ``compactness``: SLIC's weight of distance
    in the image against distance in the spectra (higher: squarer segments); ``components``: the
    leading PCA components SLIC reads, scaled to a typical spread of one."""

    size: int
    compactness: float = 0.1
    components: int = 3

    @classmethod
    def from_config(cls, section, size_key: str = "size") -> SegmentSmoothing | None:
        """The ``segments`` section of a run's config (None when ``size_key`` is null: off)."""
        if section is None or section.get(size_key) is None:
            return None
        size, compactness = section.get(size_key), section.get("compactness", 0.1)
        components = section.get("components", 3)
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise UserError(
                f"segments.{size_key} is {size!r}; no segment can be made of less than one pixel: give a whole "
                "number of at least 1 (or null: off)."
            )
        if isinstance(compactness, bool) or not isinstance(compactness, int | float) or compactness <= 0:
            raise UserError(f"segments.compactness is {compactness!r}; it must be a number above 0.")
        if isinstance(components, bool) or not isinstance(components, int) or components < 1:
            raise UserError(f"segments.components is {components!r}; it must be a whole number of at least 1.")
        return cls(size, float(compactness), components)

    def count(self, shape: tuple[int, int]) -> int:
        """The number of segments SLIC is asked for on an image of ``shape``: one at least."""
        return max(1, round(shape[0] * shape[1] / self.size))

    def record(self) -> dict:
        return {"size": self.size, "compactness": self.compactness, "components": self.components}

    def words(self) -> str:
        return (
            f"probabilities averaged over SLIC segments of about {self.size} pixels of the scene's first "
            f"{self.components} PCA components (compactness {self.compactness:g}; transductive: no label read)"
        )


def superpixels(image: np.ndarray, smoothing: SegmentSmoothing) -> np.ndarray:
    """Segment numbers ``(H, W)`` (from 0) of the PCA image ``(H, W, C)``."""
    from skimage.segmentation import slic  # imported when used: it adds a second to every start

    x = np.nan_to_num(image[..., : smoothing.components].astype(np.float64))
    spread = float(x.reshape(-1, x.shape[-1]).std(0).mean())
    x = x / spread if spread > 0 else x  # so that compactness means the same on every scene and PCA
    return slic(
        x,
        n_segments=smoothing.count(image.shape[:2]),
        compactness=smoothing.compactness,
        channel_axis=-1,
        convert2lab=False,
        start_label=0,
        enforce_connectivity=True,
    )


def segment_mean(probabilities: np.ndarray, segments: np.ndarray) -> np.ndarray:
    """Each pixel's probabilities ``(H, W, K)``, or any vector (a spectrum), replaced by its segment's mean."""
    flat, classes = segments.ravel(), probabilities.shape[-1]
    per_pixel = probabilities.reshape(-1, classes).astype(np.float64)
    sizes = np.bincount(flat)
    means = np.stack([np.bincount(flat, weights=per_pixel[:, k], minlength=len(sizes)) for k in range(classes)], 1)
    means /= np.maximum(sizes, 1)[:, None]
    return means[flat].reshape(probabilities.shape).astype(probabilities.dtype)


INPUT_MODES = ("stack", "mean")


@dataclass(frozen=True)
class SegmentInputs:
    """Spectra of segments as a classifier's input: each pixel's spectrum joined with (``stack``) or
    replaced by (``mean``) the mean spectrum of its SLIC segment, ``segmentation`` saying how the
    scene is cut. The mean is a spectral-spatial feature learnt from no field: the superpixel
    features of Fang et al. ("Spectral-Spatial Classification of Hyperspectral Images with a
    Superpixel-Based Discriminative Sparse Model", IEEE TGRS 2015) in their simplest form, stacked
    with the pixel's own spectrum as Fauvel et al. stack spatial features ("Advances in
    Spectral-Spatial Classification of Hyperspectral Images", Proc. IEEE 101(3), 2013)."""

    mode: str
    segmentation: SegmentSmoothing

    @classmethod
    def from_config(cls, section) -> SegmentInputs | None:
        """``segments.input_size`` (null: off) and ``segments.input_mode`` of a run's config."""
        segmentation = SegmentSmoothing.from_config(section, size_key="input_size")
        if segmentation is None:
            return None
        mode = section.get("input_mode", "stack")
        if mode not in INPUT_MODES:
            raise UserError(f"segments.input_mode is {mode!r}; it must be stack or mean.")
        return cls(mode, segmentation)

    def transform(self, spectra: np.ndarray, segments: np.ndarray) -> np.ndarray:
        """``spectra (H, W, C)`` as the classifier reads them: ``(H, W, 2C)`` stacked or ``(H, W, C)`` means."""
        means = segment_mean(spectra, segments)
        return np.concatenate([spectra, means], axis=-1) if self.mode == "stack" else means

    def record(self) -> dict:
        return {"mode": self.mode, **self.segmentation.record()}

    def words(self) -> str:
        verb = "joined with" if self.mode == "stack" else "replaced by"
        seg = self.segmentation
        return (
            f"each pixel's spectrum {verb} the mean spectrum of its SLIC segment of about {seg.size} pixels of "
            f"the scene's first {seg.components} PCA components (compactness {seg.compactness:g}; "
            "transductive: no label read)"
        )
