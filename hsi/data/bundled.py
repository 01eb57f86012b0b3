"""Offline copies of official scenes that ship inside other PyPI packages."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np


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


# Offline copies of official scenes, by the name a dataset config gives in `bundled`.
BUNDLED = {"tensorly": _bundled_indian_pines}
