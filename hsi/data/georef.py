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
    """A CRS (WKT, or None for the pixel grid) and a GDAL-order affine transform (c, a, b, f, d, e).

    ``envi_map_info`` keeps an ENVI input's ``map info`` (and ``envi_crs`` its ``coordinate system
    string``) so the ENVI map written from it carries them unchanged.
    """

    crs_wkt: str | None
    transform: tuple[float, float, float, float, float, float]
    envi_map_info: tuple[str, ...] | None = None

    @classmethod
    def from_envi(cls, metadata: dict) -> Georeference | None:
        """From an ENVI header's ``map info`` (reference pixel, its map coordinates, pixel sizes), if any."""
        info = metadata.get("map info")
        if not info or len(info) < 7:
            return None
        try:
            ref_x, ref_y, easting, northing, size_x, size_y = (float(v) for v in info[1:7])
        except ValueError:
            return None
        # ENVI's reference pixel is 1-based and names the pixel's upper-left corner
        transform = (easting - (ref_x - 1) * size_x, size_x, 0.0, northing + (ref_y - 1) * size_y, 0.0, -size_y)
        return cls(metadata.get("coordinate system string") or None, transform, tuple(str(v) for v in info))

    @classmethod
    def pixel_grid(cls) -> Georeference:
        return cls(None, (0.0, 1.0, 0.0, 0.0, 0.0, -1.0))

    @classmethod
    def of_dataset(cls, src) -> Georeference:
        """The georeference of an open rasterio dataset; the pixel grid when it has none."""
        from rasterio.transform import Affine

        if src.transform == Affine.identity():
            return cls.pixel_grid()
        return cls(src.crs.to_wkt() if src.crs else None, tuple(src.transform.to_gdal()))

    def envi_header(self) -> dict:
        """The header fields an ENVI map on this grid carries (none for the pixel grid)."""
        fields = {}
        if self.envi_map_info:
            fields["map info"] = list(self.envi_map_info)
        if self.crs_wkt:
            fields["coordinate system string"] = self.crs_wkt
        return fields

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
            georef = Georeference.of_dataset(src)
    except rasterio.errors.RasterioIOError as exc:
        raise UserError(f"The {what} file {path} could not be read as a GeoTIFF ({exc}); check the file.") from exc
    valid = (masks > 0).all(axis=0)
    array = np.moveaxis(data, 0, -1)
    if what == "gt":
        array = array[:, :, 0]
    return array, georef, valid
