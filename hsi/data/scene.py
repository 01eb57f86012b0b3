"""A labelled hyperspectral scene: the cube, its ground truth and what the labels mean."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hsi.data.georef import Georeference
from hsi.errors import UserError


@dataclass
class Scene:
    """One scene as loaded from disk, before any preprocessing.

    Attributes:
        name: short identifier, e.g. ``indian_pines``.
        cube: ``(H, W, B)`` array of raw values, dtype as stored.
        gt: ``(H, W)`` int64 labels, 0 = unlabelled, classes 1..K.
        class_names: K names; ``class_names[k - 1]`` names label ``k``.
        rgb_bands: zero-based band indices of the usual false-colour composite.
        georef: where the pixels lie (CRS and transform); None: the pixel grid.
        valid: ``(H, W)`` False at pixels without data (a raster's nodata); None: every pixel has data.
    """

    name: str
    cube: np.ndarray
    gt: np.ndarray
    class_names: list[str]
    rgb_bands: tuple[int, int, int] | None = None
    georef: Georeference | None = None
    valid: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.cube.ndim != 3:
            raise UserError(
                f"The cube of scene '{self.name}' has shape {self.cube.shape}; "
                "expected three axes (rows, columns, bands)."
            )
        if self.gt.ndim != 2:
            raise UserError(
                f"The ground truth of scene '{self.name}' has shape {self.gt.shape}; "
                "expected two axes (rows, columns)."
            )
        if self.cube.shape[:2] != self.gt.shape:
            raise UserError(
                f"The cube of scene '{self.name}' is {self.cube.shape[0]}x{self.cube.shape[1]} pixels "
                f"but its ground truth is {self.gt.shape[0]}x{self.gt.shape[1]}; "
                "use a ground-truth file made for this cube."
            )
        self.gt = self.gt.astype(np.int64, copy=False)
        top = int(self.gt.max(initial=0))
        if top > len(self.class_names):
            raise UserError(
                f"The ground truth of scene '{self.name}' has label {top} but only "
                f"{len(self.class_names)} class names are given; list a name for every class."
            )

    @property
    def num_bands(self) -> int:
        return int(self.cube.shape[2])

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def shape(self) -> tuple[int, int]:
        return int(self.gt.shape[0]), int(self.gt.shape[1])

    def class_counts(self) -> np.ndarray:
        """Labelled pixels per class, index k-1 for class k."""
        return np.bincount(self.gt.ravel(), minlength=self.num_classes + 1)[1:]
