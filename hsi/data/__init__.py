"""Scenes and where they come from.

Three ways to a :class:`Scene` (cube, labels, class names), each saying what it adds:

- :class:`MatFilesScene`: two MATLAB files at given paths, read as they are.
- :class:`OfficialScene`: a benchmark scene of configs/dataset/ (``dataset=indian_pines``...):
  looked up under the data root, downloaded or unpacked from a bundled copy, and verified
  against the facts in its config (shape, class counts, checksums).
- :class:`CustomScene` (``dataset=custom``): the user's own scene in ENVI, .mat, .npy or .npz,
  with an optional band selection.
"""

from hsi.data.mat import load_mat_array
from hsi.data.mat_scene import MatFilesScene
from hsi.data.official import OfficialScene, indian_pines, official_scene
from hsi.data.root import resolve_data_root
from hsi.data.scene import Scene

__all__ = ["MatFilesScene", "OfficialScene", "Scene", "indian_pines", "load_mat_array", "official_scene",
           "resolve_data_root"]
