"""Scenes and where they come from: official .mat files, downloads, bundled copies."""

from hsi.data.mat import load_mat_array
from hsi.data.scene import Scene
from hsi.data.sources import IndianPines, MatScene, resolve_data_root

__all__ = ["IndianPines", "MatScene", "Scene", "load_mat_array", "resolve_data_root"]
