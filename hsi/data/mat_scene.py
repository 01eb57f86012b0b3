"""A scene from two MATLAB files at known paths, with the label checks every scene needs."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hsi.data.mat import load_mat_array
from hsi.data.scene import Scene
from hsi.errors import UserError


class MatFilesScene:
    """A scene from two MATLAB files (v5 or v7.3) at given paths: a cube ``(H, W, B)`` and labels ``(H, W)``.

    Nothing is looked up, downloaded or verified: the base of :class:`~hsi.data.OfficialScene`,
    which adds those, and the simplest way to load a pair of .mat files from Python.

    Args:
        cube_path, gt_path: the two files.
        cube_key, gt_key: variable names inside them.
        class_names: one name per class (labels 1..K); default ``class 1`` .. ``class K``.
        name: short identifier written into reports.
        rgb_bands: zero-based bands of a false-colour composite.
        pca_components: the usual number of PCA components for this scene (the default of
            ``preprocess.n_components``).
    """

    def __init__(
        self,
        cube_path: str,
        gt_path: str,
        cube_key: str,
        gt_key: str,
        class_names: list[str] | None = None,
        name: str = "custom",
        rgb_bands: tuple[int, int, int] | None = None,
        pca_components: int = 30,
    ) -> None:
        self.pca_components = pca_components
        self.cube_path = Path(cube_path).expanduser()
        self.gt_path = Path(gt_path).expanduser()
        self.cube_key = cube_key
        self.gt_key = gt_key
        self.class_names = list(class_names) if class_names else None
        self.name = name
        self.rgb_bands = tuple(rgb_bands) if rgb_bands is not None else None

    def read_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """The cube and the labels exactly as stored (dtype and values untouched)."""
        return load_mat_array(self.cube_path, self.cube_key), load_mat_array(self.gt_path, self.gt_key)

    def load(self) -> Scene:
        return self.to_scene(*self.read_arrays())

    def to_scene(self, cube: np.ndarray, gt: np.ndarray) -> Scene:
        if gt.ndim == 2 and (gt.dtype.kind not in "iub"):
            if not np.all(np.isfinite(gt)) or not np.all(gt == np.round(gt)):
                raise UserError(
                    f"The ground truth in {self.gt_path} holds non-integer values; "
                    "labels must be whole numbers, 0 for unlabelled."
                )
        if gt.size and gt.min() < 0:
            raise UserError(
                f"The ground truth in {self.gt_path} holds negative labels; "
                "use 0 for unlabelled and 1..K for classes."
            )
        names = self.class_names or [f"class {k}" for k in range(1, int(gt.max(initial=0)) + 1)]
        return Scene(self.name, cube, gt, names, self.rgb_bands)
