"""Where scenes come from: the official Indian Pines files, or any pair of .mat files.

Indian Pines: AVIRIS, Indian Pine Test Site 3, 12 June 1992; 145 x 145 pixels, 200 bands
after water-absorption removal, 16 classes, 10249 labelled pixels.
Baumgardner, Biehl, Landgrebe (2015), Purdue University Research Repository,
doi:10.4231/R7RX991C (CC BY 3.0). Official files are distributed by the Grupo de
Inteligencia Computacional (UPV/EHU).
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import urllib.error
from pathlib import Path

import numpy as np
import scipy.io

from hsi.data.download import download_file
from hsi.data.mat import load_mat_array
from hsi.data.scene import Scene
from hsi.errors import UserError

log = logging.getLogger(__name__)

DATA_DIR_ENV = "HSI_DATA_DIR"


def resolve_data_root(root: str | os.PathLike | None) -> Path:
    """The data root: the given path, else ``$HSI_DATA_DIR``, else ``data/``."""
    if root:
        return Path(root).expanduser()
    return Path(os.environ.get(DATA_DIR_ENV) or "data").expanduser()


def array_sha256(array: np.ndarray) -> str:
    """sha256 of the array's bytes in C order, dtype as stored."""
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


class MatScene:
    """A scene from two MATLAB files (v5 or v7.3): a cube ``(H, W, B)`` and labels ``(H, W)``.

    Args:
        cube_path, gt_path: the two files.
        cube_key, gt_key: variable names inside them.
        class_names: one name per class (labels 1..K); default ``class 1`` .. ``class K``.
        name: short identifier written into reports.
        rgb_bands: zero-based bands of a false-colour composite.
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
    ) -> None:
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


def _bundled_indian_pines() -> tuple[np.ndarray, np.ndarray] | None:
    """The Indian Pines arrays that ship inside the PyPI package ``tensorly`` (CC BY 3.0)."""
    spec = importlib.util.find_spec("tensorly")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data"
    cube_file = folder / "Indian_pines_corrected.npy"
    gt_file = folder / "Indian_pines_gt.npy"
    if not (cube_file.is_file() and gt_file.is_file()):
        return None
    return np.load(cube_file), np.load(gt_file)


class IndianPines(MatScene):
    """The Indian Pines scene in its official .mat layout, found, downloaded or unpacked.

    Looks for ``Indian_pines_corrected.mat`` and ``Indian_pines_gt.mat`` in
    ``<root>/indian_pines/`` (or directly in ``<root>``). When absent and ``download`` is
    true, fetches them from the official site; when the network is unreachable, writes
    them from the copy of the same arrays bundled in ``tensorly``. Whatever is loaded is
    verified: shape, dtype, class counts and the sha256 of the array bytes.
    """

    folder = "indian_pines"
    files = {"cube": "Indian_pines_corrected.mat", "gt": "Indian_pines_gt.mat"}
    keys = {"cube": "indian_pines_corrected", "gt": "indian_pines_gt"}
    urls = {
        "cube": "http://www.ehu.eus/ccwintco/uploads/6/67/Indian_pines_corrected.mat",
        "gt": "http://www.ehu.eus/ccwintco/uploads/c/c4/Indian_pines_gt.mat",
    }
    shapes = {"cube": (145, 145, 200), "gt": (145, 145)}
    dtypes = {"cube": np.dtype("uint16"), "gt": np.dtype("uint8")}
    sha256 = {
        "cube": "36468dd7336c8bd37a80cced54362ea426f226703f3797ba494556fd8134e77f",
        "gt": "ebf20cfe0bce98f01885f0ab4fd1857925db3ef0a1f1624bbee3ffcb92425103",
    }
    class_counts = (46, 1428, 830, 237, 483, 730, 28, 478, 20, 972, 2455, 593, 205, 1265, 386, 93)
    default_class_names = [
        "Alfalfa", "Corn-notill", "Corn-mintill", "Corn", "Grass-pasture", "Grass-trees",
        "Grass-pasture-mowed", "Hay-windrowed", "Oats", "Soybean-notill", "Soybean-mintill",
        "Soybean-clean", "Wheat", "Woods", "Buildings-Grass-Trees-Drives", "Stone-Steel-Towers",
    ]
    # Bands 43/21/11 (1-based in the reference notebooks) give the usual false-colour view.
    default_rgb_bands = (42, 20, 10)

    def __init__(
        self,
        root: str | None = None,
        download: bool = True,
        verify: bool = True,
        urls: dict[str, str] | None = None,
        timeout: float = 20.0,
    ) -> None:
        self.root = resolve_data_root(root)
        self.download = download
        self.verify = verify
        self.timeout = timeout
        if urls:
            self.urls = {**type(self).urls, **dict(urls)}
        paths = self._locate()
        super().__init__(
            paths["cube"], paths["gt"], self.keys["cube"], self.keys["gt"],
            class_names=self.default_class_names, name="indian_pines",
            rgb_bands=self.default_rgb_bands,
        )

    def _locate(self) -> dict[str, Path]:
        """Existing files win; otherwise the place under the root where they will be written."""
        found = {}
        for part, filename in self.files.items():
            candidates = [self.root / self.folder / filename, self.root / filename]
            found[part] = next((p for p in candidates if p.is_file()), candidates[0])
        return found

    def load(self) -> Scene:
        missing = [part for part, p in (("cube", self.cube_path), ("gt", self.gt_path)) if not p.is_file()]
        if missing:
            self._fetch(missing)
        cube, gt = self.read_arrays()
        if self.verify:
            self._verify(cube, gt)
        return self.to_scene(cube, gt)

    def _fetch(self, parts: list[str]) -> None:
        paths = {"cube": self.cube_path, "gt": self.gt_path}
        if not self.download:
            raise UserError(
                f"Indian Pines is not under {self.root} (looked for {paths[parts[0]].name}); "
                f"put the official files in {self.root / self.folder} or set dataset.download=true."
            )
        try:
            for part in parts:
                log.info("downloading %s", self.urls[part])
                download_file(self.urls[part], paths[part], timeout=self.timeout)
            return
        except (OSError, urllib.error.URLError) as exc:
            log.warning("download failed (%s); using the copy bundled in tensorly", exc)
        bundled = _bundled_indian_pines()
        if bundled is None:
            raise UserError(
                f"Indian Pines is not under {self.root}, the official site could not be reached "
                "and the bundled copy (package tensorly) is not installed; "
                f"download the two .mat files by hand into {self.root / self.folder}."
            )
        arrays = dict(zip(("cube", "gt"), bundled))
        for part in parts:
            target = paths[part]
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(target.name + ".part")
            # savemat appends ".mat" to names that lack it; give it a file object instead.
            with open(partial, "wb") as f:
                scipy.io.savemat(f, {self.keys[part]: arrays[part]}, do_compression=True)
            os.replace(partial, target)
            log.info("wrote %s from the tensorly copy", target)

    def _verify(self, cube: np.ndarray, gt: np.ndarray) -> None:
        hint = "delete it to fetch a fresh copy, or set dataset.verify=false to use it as it is."
        for part, array, path in (("cube", cube, self.cube_path), ("gt", gt, self.gt_path)):
            if array.shape != self.shapes[part]:
                raise UserError(f"{path} holds an array of shape {array.shape}, expected {self.shapes[part]}; {hint}")
            if array.dtype != self.dtypes[part]:
                raise UserError(f"{path} holds {array.dtype} values, expected {self.dtypes[part]}; {hint}")
            if array_sha256(array) != self.sha256[part]:
                raise UserError(f"{path} does not match the official Indian Pines array (sha256 differs); {hint}")
        counts = tuple(int(c) for c in np.bincount(gt.ravel(), minlength=17)[1:])
        if counts != self.class_counts:
            raise UserError(f"{self.gt_path} has class counts {counts}, expected {self.class_counts}; {hint}")
