"""The user's own scene: cube and labels from ENVI, MATLAB (v5 or v7.3), .npy or .npz files."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from hsi.data.georef import GEOTIFF_SUFFIXES, Georeference, read_geotiff
from hsi.data.mat import load_mat_array, mat_keys
from hsi.data.scene import Scene
from hsi.errors import UserError

FORMATS = ".tif (GeoTIFF), .hdr (ENVI), .mat, .npy or .npz"


def _single_key(path: Path, keys: list[str], key: str | None, what: str) -> str:
    if key:
        return key
    if len(keys) == 1:
        return keys[0]
    raise UserError(f"{path} holds several arrays ({', '.join(keys)}); name the {what} one with dataset.{what}_key.")


def read_raster(path: str | Path, key: str | None = None, what: str = "cube") -> tuple[np.ndarray, Georeference | None,
                                                                                     np.ndarray | None]:
    """``(array, georeference, valid)``: a GeoTIFF keeps its CRS, transform and nodata; other formats have none."""
    path = Path(path).expanduser()
    if path.suffix.lower() in GEOTIFF_SUFFIXES:
        if not path.is_file():
            raise UserError(f"The {what} file {path} does not exist; check dataset.{what}_path.")
        return read_geotiff(path, what)
    array = read_array(path, key, what)
    header = path.with_suffix(".hdr")
    if header.is_file() and path.suffix.lower() in (".hdr", ".img", ".dat", ".raw", ""):
        from spectral.io import envi

        return array, Georeference.from_envi(envi.read_envi_header(str(header))), None
    return array, None, None


def read_array(path: str | Path, key: str | None = None, what: str = "cube") -> np.ndarray:
    """One array from a file, by extension; ``key`` picks the variable in .mat/.npz (optional if only one)."""
    path = Path(path).expanduser()
    if path.suffix.lower() in (".img", ".dat", ".raw", "") and path.with_suffix(".hdr").is_file():
        path = path.with_suffix(".hdr")
    if not path.is_file():
        raise UserError(f"The {what} file {path} does not exist; check dataset.{what}_path.")
    suffix = path.suffix.lower()
    if suffix == ".hdr":
        import spectral

        try:
            array = np.asarray(spectral.open_image(str(path)).load())
        except Exception as exc:  # spectral raises several types for broken headers or data files
            raise UserError(f"The ENVI file {path} could not be read ({exc}); check the header and its data file.") from exc
        return array[:, :, 0] if what == "gt" and array.ndim == 3 and array.shape[2] == 1 else array
    if suffix == ".mat":
        return load_mat_array(path, _single_key(path, mat_keys(path), key, what))
    if suffix == ".npy":
        return np.load(path, allow_pickle=False)
    if suffix == ".npz":
        with np.load(path, allow_pickle=False) as data:
            name = _single_key(path, list(data.files), key, what)
            if name not in data.files:
                raise UserError(f"{path} has no array '{name}' (it has: {', '.join(data.files)}); set dataset.{what}_key.")
            return data[name]
    raise UserError(f"{path} is not a format hsi reads; give the {what} as {FORMATS}.")


def parse_bands(spec, total: int) -> np.ndarray:
    """Zero-based band indices from ``"0-102,110-148"`` (inclusive ranges) or a list of ints."""
    if spec is None:
        return np.arange(total)
    if isinstance(spec, str):
        indices: list[int] = []
        for part in filter(None, (p.strip() for p in spec.split(","))):
            match = re.fullmatch(r"(\d+)(?:\s*-\s*(\d+))?", part)
            if not match:
                raise UserError(f"dataset.bands has '{part}'; write ranges like 0-102,110-148 (zero-based, inclusive).")
            start, end = int(match[1]), int(match[2] or match[1])
            indices.extend(range(start, end + 1))
    else:
        indices = [int(b) for b in spec]
    chosen = np.array(indices, dtype=np.int64)
    if chosen.size == 0 or chosen.min() < 0 or chosen.max() >= total:
        raise UserError(f"dataset.bands selects bands outside 0..{total - 1} (the cube has {total} bands).")
    if len(np.unique(chosen)) != len(chosen):
        raise UserError("dataset.bands names a band twice; list each band once.")
    return chosen


def _same_grid(cube: Georeference | None, gt: Georeference | None, cube_path: Path, gt_path: Path) -> None:
    """Labels on another grid than the cube (another transform or CRS) would label the wrong pixels."""
    if cube is None or gt is None or cube == gt:
        return
    what = "coordinate reference system" if cube.crs_wkt != gt.crs_wkt else "pixel grid (transform)"
    raise UserError(f"The labels {gt_path} are on another {what} than the cube {cube_path}; "
                    "resample the labels onto the cube's grid first.")


class CustomScene:
    """A scene from the user's files.

    Args:
        cube_path, gt_path: the cube ``(H, W, B)`` and the labels ``(H, W)`` (0 = unlabelled),
            each as ENVI (.hdr), .mat (v5 or v7.3), .npy or .npz.
        cube_key, gt_key: the variable inside .mat/.npz files (optional when there is one).
        class_names: one per class 1..K; default ``class 1`` .. ``class K``.
        ignored_labels: labels treated as unlabelled (e.g. a "mixed" class).
        bands: bands to keep, ``"0-102,110-148"`` or a list (e.g. to drop water absorption).
        name, rgb_bands, pca_components: as for every dataset.
    """

    def __init__(self, cube_path: str, gt_path: str, cube_key: str | None = None, gt_key: str | None = None,
                 class_names: list[str] | None = None, ignored_labels: list[int] | None = None, bands=None,
                 name: str = "custom", rgb_bands: list[int] | None = None, pca_components: int = 30) -> None:
        self.cube_path, self.gt_path = Path(cube_path).expanduser(), Path(gt_path).expanduser()
        self.cube_key, self.gt_key = cube_key, gt_key
        self.class_names = list(class_names) if class_names else None
        self.ignored_labels = [int(x) for x in (ignored_labels or [])]
        self.bands, self.name, self.pca_components = bands, name, pca_components
        self.rgb_bands = tuple(rgb_bands) if rgb_bands is not None else None

    def load(self) -> Scene:
        cube, georef, valid = read_raster(self.cube_path, self.cube_key, "cube")
        gt, gt_georef, gt_valid = read_raster(self.gt_path, self.gt_key, "gt")
        _same_grid(georef, gt_georef, self.cube_path, self.gt_path)
        if cube.ndim != 3:
            raise UserError(f"The cube in {self.cube_path} has shape {cube.shape}; it needs three axes (rows, columns, bands).")
        if np.iscomplexobj(cube):
            raise UserError(f"The cube in {self.cube_path} holds complex numbers; give real-valued reflectance or radiance.")
        if cube.dtype.kind not in "iuf":
            raise UserError(f"The cube in {self.cube_path} holds {cube.dtype} values; give numbers.")
        if cube.dtype.kind == "f":
            bad = int((~np.isfinite(cube)).sum())
            if bad:
                raise UserError(f"The cube in {self.cube_path} holds {bad} NaN or infinite values; "
                                "fill or mask them before training.")
        cube = cube[:, :, parse_bands(self.bands, cube.shape[2])]
        if gt.ndim != 2:
            raise UserError(f"The labels in {self.gt_path} have shape {gt.shape}; they need two axes (rows, columns).")
        if gt.dtype.kind == "f":
            if not np.all(np.isfinite(gt)) or not np.all(gt == np.round(gt)):
                raise UserError(f"The labels in {self.gt_path} hold non-integer values; labels must be whole numbers, "
                                "0 for unlabelled.")
        elif gt.dtype.kind not in "iub":
            raise UserError(f"The labels in {self.gt_path} hold {gt.dtype} values; labels must be whole numbers.")
        gt = gt.astype(np.int64)
        if gt.size and gt.min() < 0:
            raise UserError(f"The labels in {self.gt_path} hold negative values; use 0 for unlabelled and 1..K for classes.")
        for label in self.ignored_labels:
            gt[gt == label] = 0
        if gt_valid is not None:
            gt[~gt_valid] = 0  # the label raster's nodata: unlabelled
        if valid is not None and not valid.all():
            gt[~valid] = 0  # no data, no label
            cube = np.where(valid[:, :, None], cube, 0)  # nodata values would skew the PCA
        top = int(gt.max(initial=0))
        names = self.class_names or [f"class {k}" for k in range(1, top + 1)]
        if top > len(names):
            raise UserError(f"The labels in {self.gt_path} go up to {top} but dataset.class_names lists {len(names)}; "
                            "give one name per class.")
        return Scene(self.name, cube, gt, names, self.rgb_bands, georef=georef,
                     valid=None if valid is None or valid.all() else valid)
