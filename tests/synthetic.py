"""Tiny synthetic scenes and the files they are stored in, made with a fixed seed."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import scipy.io


def make_scene(height: int = 24, width: int = 24, bands: int = 20, classes: int = 4, seed: int = 0):
    """A cube whose classes have distinct smooth spectra, laid out in vertical stripes.

    Returns ``(cube uint16 (H, W, B), gt uint8 (H, W))``; the outer ring is unlabelled (0).
    """
    rng = np.random.default_rng(seed)
    grid = np.linspace(0, 1, bands)
    prototypes = np.stack([1000 + 600 * np.sin(2 * np.pi * (k + 1) * grid / 2 + k) + 300 * k for k in range(classes)])
    gt = np.zeros((height, width), dtype=np.uint8)
    stripe = (np.arange(width) * classes) // width
    gt[1:-1, 1:-1] = (stripe[1:-1] + 1)[None, :]
    label_map = np.where(gt > 0, gt - 1, rng.integers(0, classes, size=gt.shape))
    cube = prototypes[label_map] + rng.normal(0, 60, size=(height, width, bands))
    return np.clip(cube, 0, 65535).astype(np.uint16), gt


def write_mat_v5(path: Path, key: str, array: np.ndarray) -> Path:
    scipy.io.savemat(path, {key: array}, do_compression=True)
    return Path(path)


def write_mat_v73(path: Path, key: str, array: np.ndarray) -> Path:
    """An HDF5 file laid out as MATLAB's ``save -v7.3`` does: 512-byte user block, column-major."""
    with h5py.File(path, "w", userblock_size=512) as f:
        f.create_dataset(key, data=np.ascontiguousarray(array.T))
    with open(path, "r+b") as f:
        f.write(b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: synthetic HDF5 schema 1.00 .")
    return Path(path)


def write_scene_files(folder: Path, name: str = "synthetic", **scene_kwargs) -> list[str]:
    """Write :func:`make_scene` as two v5 .mat files in ``folder``; return the hsi-train overrides that load it."""
    cube, gt = make_scene(**scene_kwargs)
    write_mat_v5(Path(folder) / "cube.mat", "cube", cube)
    write_mat_v5(Path(folder) / "gt.mat", "labels", gt)
    return [
        "dataset=custom",
        f"dataset.cube_path={Path(folder) / 'cube.mat'}",
        "dataset.cube_key=cube",
        f"dataset.gt_path={Path(folder) / 'gt.mat'}",
        "dataset.gt_key=labels",
        f"dataset.name={name}",
        "preprocess.n_components=15",
        "preprocess.window=9",
    ]
