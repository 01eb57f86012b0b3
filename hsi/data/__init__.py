"""Scenes and where they come from: official .mat files, downloads, bundled copies."""

from hsi.data.mat import load_mat_array
from hsi.data.scene import Scene
from hsi.data.sources import IndianPines, MatScene, OfficialScene, official_scene, resolve_data_root

__all__ = ["IndianPines", "MatScene", "OfficialScene", "Scene", "load_mat_array", "official_scene", "resolve_data_root"]
