"""Where a scene lies on the Earth, and reading GeoTIFF rasters with it (rasterio).

A scene from a GeoTIFF keeps its coordinate reference system and affine transform, so every
map written from it (``maps/prediction.tif``) lands in the right place in a GIS. Scenes without
georeferencing (the .mat benchmarks) get the pixel grid: one unit per pixel, origin top left.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hsi.errors import UserError

GEOTIFF_SUFFIXES = (".tif", ".tiff")


@dataclass(frozen=True)
class Georeference:
    """A CRS (WKT, or None for the pixel grid) and a GDAL-order affine transform (c, a, b, f, d, e)."""

    crs_wkt: str | None
    transform: tuple[float, float, float, float, float, float]

    @classmethod
    def pixel_grid(cls) -> Georeference:
        return cls(None, (0.0, 1.0, 0.0, 0.0, 0.0, -1.0))

    def affine(self):
        from rasterio.transform import Affine

        return Affine.from_gdal(*self.transform)


def _rasterio():
    try:
        import rasterio
    except ImportError as exc:  # a dependency, but say what to do if an environment lacks it
        raise UserError("Reading or writing GeoTIFF needs rasterio; install it with pip install rasterio.") from exc
    return rasterio


def read_geotiff(path: Path, what: str) -> tuple[np.ndarray, Georeference, np.ndarray]:
    """``(array, georeference, valid)``: a cube ``(H, W, B)`` or labels ``(H, W)``; ``valid`` is False at nodata."""
    rasterio = _rasterio()
    try:
        with rasterio.open(path) as src:
            data = src.read()  # (bands, rows, columns)
            masks = src.read_masks()  # 0 where a band is nodata
            crs = src.crs.to_wkt() if src.crs else None
            georef = Georeference(crs, tuple(src.transform.to_gdal())) if src.transform != rasterio.Affine.identity() \
                else Georeference.pixel_grid()
    except rasterio.errors.RasterioIOError as exc:
        raise UserError(f"The {what} file {path} could not be read as a GeoTIFF ({exc}); check the file.") from exc
    valid = (masks > 0).all(axis=0)
    array = np.moveaxis(data, 0, -1)
    if what == "gt":
        array = array[:, :, 0]
    return array, georef, valid
