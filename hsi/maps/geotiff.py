"""Class maps and probabilities as GeoTIFF: what a GIS opens in the right place, with its legend.

The class map is one band of uint8 (uint16 beyond 255 classes), deflate-compressed and tiled,
with overviews for quick zooming, the PNG maps' colours as its colour table, the class names
in its metadata (``CLASS_k`` tags and the band description) and 0 as nodata (pixels without
data in the input). The CRS and transform are the input scene's, or the pixel grid.
"""

from __future__ import annotations

import contextlib
import json
import warnings
from pathlib import Path

import numpy as np

from hsi.data.georef import Georeference
from hsi.files import write_atomically
from hsi.maps.confidence import CONFIDENCE_BANDS

NODATA = 0  # classes are 1..K


def geotiff_profile(height: int, width: int, count: int, dtype: str, georef: Georeference) -> dict:
    tiled = min(height, width) >= 256  # GeoTIFF tiles are 256 x 256; smaller maps are one strip
    profile = {
        "driver": "GTiff",
        "height": height,
        "width": width,
        "count": count,
        "dtype": dtype,
        "compress": "deflate",
        "transform": georef.affine(),
        "crs": georef.crs_wkt,
    }
    if tiled:
        profile.update(tiled=True, blockxsize=256, blockysize=256)
    return profile


def _overview_factors(height: int, width: int) -> list[int]:
    factors, f = [], 2
    while min(height, width) // f >= 16:
        factors.append(f)
        f *= 2
    return factors


@contextlib.contextmanager
def pixel_grid_allowed():
    """rasterio warns about a map without a geotransform; for a scene that has none, the pixel grid is meant."""
    from rasterio.errors import NotGeoreferencedWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        yield


def _write(path: Path, array: np.ndarray, profile: dict, describe) -> Path:
    """Write through rasterio's in-memory file, then atomically to ``path`` (never half-written).

    ``describe(dst)`` runs before the pixels are written (colour table, names)."""
    from rasterio.enums import Resampling
    from rasterio.io import MemoryFile

    with MemoryFile() as memory, pixel_grid_allowed():
        with memory.open(**profile) as dst:
            describe(dst)
            dst.write(array)
            factors = _overview_factors(profile["height"], profile["width"])
            if factors:
                dst.build_overviews(factors, Resampling.nearest if profile["count"] == 1 else Resampling.average)
        write_atomically(path, memory.read())
    return Path(path)


def describe_class_map(dst, class_names: list[str], colours: np.ndarray) -> None:
    """The colour table and class names of a class map just opened for writing.

    Before any pixel: GDAL makes the TIFF a palette image when the colour table is set, and cannot
    change that tag once pixels are written (it logs an error and keeps the file as it was).
    """
    dst.write_colormap(1, {k: (*map(int, colours[k][:3]), 255) for k in range(len(class_names) + 1)})
    dst.update_tags(1, **{f"CLASS_{k + 1}": name for k, name in enumerate(class_names)})
    dst.update_tags(class_names=json.dumps(class_names), software="hsi")
    dst.set_band_description(1, "class (" + ", ".join(f"{k + 1}={n}" for k, n in enumerate(class_names)) + ")")


def build_class_overviews(dst) -> None:
    """Nearest-neighbour overviews (classes must not blend) of a class map whose pixels are all written."""
    from rasterio.enums import Resampling

    factors = _overview_factors(dst.height, dst.width)
    if factors:
        dst.build_overviews(factors, Resampling.nearest)


def export_class_geotiff(
    path: Path, labels: np.ndarray, class_names: list[str], colours: np.ndarray, georef: Georeference | None = None
) -> Path:
    """``labels`` ``(H, W)``: 1..K, 0 where there is no data."""
    georef = georef or Georeference.pixel_grid()
    dtype = "uint8" if len(class_names) < 256 else "uint16"
    profile = {**geotiff_profile(*labels.shape, 1, dtype, georef), "nodata": NODATA}

    return _write(
        path,
        labels.astype(dtype)[None],
        profile,
        lambda dst: describe_class_map(dst, class_names, colours),
    )


def export_probability_geotiff(
    path: Path,
    probabilities: np.ndarray,
    class_names: list[str],
    georef: Georeference | None = None,
    valid: np.ndarray | None = None,
) -> Path:
    """``probabilities`` ``(H, W, K)`` as K float32 bands named after the classes; NaN where there is no data."""
    georef = georef or Georeference.pixel_grid()
    bands = np.moveaxis(probabilities.astype(np.float32), -1, 0).copy()
    if valid is not None:
        bands[:, ~valid] = np.nan
    profile = {**geotiff_profile(*probabilities.shape[:2], len(class_names), "float32", georef), "nodata": np.nan}

    def describe(dst):
        for k, name in enumerate(class_names):
            dst.set_band_description(k + 1, f"probability of {name}")

    return _write(path, bands, profile, describe)


def export_confidence_geotiff(path: Path, bands: np.ndarray, georef: Georeference | None = None) -> Path:
    """``bands`` ``(2, H, W)`` float32 from :func:`hsi.maps.confidence.confidence_bands` (NaN where there is
    no data): the top class probability and the normalised entropy, named."""
    georef = georef or Georeference.pixel_grid()
    profile = {**geotiff_profile(*bands.shape[1:], len(CONFIDENCE_BANDS), "float32", georef), "nodata": np.nan}

    def describe(dst):
        for index, name in enumerate(CONFIDENCE_BANDS, start=1):
            dst.set_band_description(index, name)

    return _write(path, bands, profile, describe)
