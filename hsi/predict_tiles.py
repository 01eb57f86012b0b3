"""Predict an unlabelled scene of any size with a finished run, tile by tile, into a GeoTIFF.

Each tile is read with a halo of ``window // 2`` pixels (clipped at the scene's edges), reduced
with the run's PCA and classified; only the tile's own pixels are kept. Every kept pixel's
window then lies inside what was read, and at the scene's edges the padding is the same as on
the whole scene, so the result equals the untiled prediction. Only one tile (plus halo) of
the cube is in memory at a time when the scene is a GeoTIFF (read window by window).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from omegaconf import OmegaConf
from tqdm import tqdm

from hsi.classifiers import ScenePrediction
from hsi.data.custom import read_array
from hsi.data.georef import GEOTIFF_SUFFIXES, Georeference
from hsi.ensemble import Members, load_members
from hsi.errors import UserError
from hsi.maps.confidence import CONFIDENCE_BANDS, confidence_bands
from hsi.maps.geotiff import NODATA, build_class_overviews, describe_class_map, geotiff_profile, pixel_grid_allowed
from hsi.maps.palette import class_palette

log = logging.getLogger(__name__)


@dataclass
class RasterSource:
    """An unlabelled cube, read window by window (GeoTIFF) or held whole (other formats)."""

    path: Path
    height: int
    width: int
    bands: int
    georef: Georeference
    array: np.ndarray | None = None  # (H, W, B) when not a GeoTIFF

    @classmethod
    def open(cls, path: Path, key: str | None = None) -> RasterSource:
        path = Path(path).expanduser()
        if not path.is_file():
            raise UserError(f"The scene {path} does not exist; give the cube file to predict.")
        if path.suffix.lower() in GEOTIFF_SUFFIXES:
            import rasterio

            try:
                with rasterio.open(path) as src:
                    georef = Georeference.of_dataset(src)
                    return cls(path, src.height, src.width, src.count, georef)
            except rasterio.errors.RasterioIOError as exc:
                raise UserError(f"The scene {path} could not be read as a GeoTIFF ({exc}); check the file.") from exc
        array = read_array(path, key, "cube")
        if array.ndim != 3:
            raise UserError(
                f"The scene {path} has shape {array.shape}; a cube needs three axes (rows, columns, bands)."
            )
        return cls(path, array.shape[0], array.shape[1], array.shape[2], Georeference.pixel_grid(), array)

    def read(self, top: int, bottom: int, left: int, right: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows top..bottom-1, columns left..right-1 as ``(h, w, B)`` float32, and where they hold data."""
        if self.array is not None:
            cube = self.array[top:bottom, left:right].astype(np.float32)
            return cube, np.ones(cube.shape[:2], bool)
        import rasterio
        from rasterio.windows import Window

        with rasterio.open(self.path) as src:
            window = Window(left, top, right - left, bottom - top)
            data = src.read(window=window).astype(np.float32)
            valid = (src.read_masks(window=window) > 0).all(axis=0)
        cube = np.moveaxis(data, 0, -1)
        return np.where(valid[:, :, None], cube, 0.0), valid


def predict_tile(
    predict_cube: Callable[[np.ndarray], ScenePrediction],
    halo: int,
    source: RasterSource,
    top: int,
    left: int,
    tile: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels (1..K, 0 without data), probabilities and validity of one tile, from the tile and its ``halo``
    (the pixels around it that the windows of its edge pixels read)."""
    bottom, right = min(source.height, top + tile), min(source.width, left + tile)
    r0, r1 = max(0, top - halo), min(source.height, bottom + halo)
    c0, c1 = max(0, left - halo), min(source.width, right + halo)
    cube, valid = source.read(r0, r1, c0, c1)
    prediction = predict_cube(cube)
    rows, cols = slice(top - r0, top - r0 + bottom - top), slice(left - c0, left - c0 + right - left)
    inside = valid[rows, cols]
    labels = np.where(inside, prediction.labels[rows, cols] + 1, NODATA)
    return labels, prediction.probabilities[rows, cols], inside


def _check_source(source: RasterSource, members: Members) -> None:
    if source.bands != members.bands:
        raise UserError(
            f"The scene {source.path} has {source.bands} bands but the run was trained on "
            f"{members.bands}; give a scene with the same bands, in the same order."
        )
    reflect = [run.window for run in members.runs if str(run.config.preprocess.padding) == "reflect"]
    if reflect and min(source.height, source.width) <= max(reflect) // 2:
        raise UserError(
            f"The scene {source.path} is smaller than the window's reflect padding; it cannot be predicted."
        )


def predict_unlabelled(
    run_dir: Path,
    scene_path: Path,
    out: Path,
    tile: int = 256,
    key: str | None = None,
    precision: str = "auto",
    device: str = "auto",
    probabilities: bool = False,
    cluster=None,
) -> dict:
    """Write the class map of ``scene_path`` (and its confidence, and its probabilities) as GeoTIFF with a run,
    or with a sweep's runs averaged; returns what was done.

    ``cluster``: a :class:`hsi.distributed_predict.TileCluster` to predict the tiles on (None: this process).
    """
    members = load_members(run_dir, precision, device)
    names, window = members.first.class_names, max(run.window for run in members.runs)
    if tile < window:
        raise UserError(f"--tile is {tile}; use at least the window ({window}) pixels.")
    source = RasterSource.open(scene_path, key)
    _check_source(source, members)
    colours = class_palette(len(names), OmegaConf.select(members.first.config, "maps.palette") or "spectral")
    tic = time.perf_counter()
    starts = tile_starts(source, tile)
    if cluster is None:
        results = ((t, c, *predict_tile(members.predict_scene, members.halo, source, t, c, tile)) for t, c in starts)
    else:
        results = cluster.tiles(TileJob(str(run_dir), precision, device, str(scene_path), key, tile), starts)
    written = _write_tiles(Path(out), source, names, colours, probabilities, results, len(starts))
    seconds = time.perf_counter() - tic
    pixels = source.height * source.width
    log.info("predicted %d pixels in %.1fs (%.0f pixels/s) -> %s", pixels, seconds, pixels / seconds, written[0])
    return {"outputs": [str(p) for p in written], "pixels": pixels, "seconds": seconds}


def tile_starts(source: RasterSource, tile: int) -> list[tuple[int, int]]:
    """The top-left corner of every tile, row by row."""
    return [(top, left) for top in range(0, source.height, tile) for left in range(0, source.width, tile)]


@dataclass(frozen=True)
class TileJob:
    """What a worker needs to predict any tile of one scene: plain values, sent once per tile."""

    run_dir: str
    precision: str
    device: str
    scene: str
    key: str | None
    tile: int


def predict_job_tile(job: TileJob, top: int, left: int) -> tuple:
    """``(top, left, labels, probabilities, inside)`` of one tile, the run and scene opened once per process."""
    members, source = _opened(job.run_dir, job.precision, job.device, job.scene, job.key)
    return (top, left, *predict_tile(members.predict_scene, members.halo, source, top, left, job.tile))


@functools.lru_cache(maxsize=2)
def _opened(run_dir: str, precision: str, device: str, scene: str, key: str | None) -> tuple:
    return load_members(Path(run_dir), precision, device), RasterSource.open(Path(scene), key)


def _write_tile(labels_out, confidence_out, probs_out, top: int, left: int, labels, probs, inside) -> None:
    """One tile's class band, confidence bands and (when asked for) probability bands, NaN where no data."""
    from rasterio.windows import Window

    window = Window(left, top, labels.shape[1], labels.shape[0])
    labels_out.write(labels.astype(labels_out.dtypes[0])[None], window=window)
    sure = confidence_bands(probs)
    sure[:, ~inside] = np.nan
    confidence_out.write(sure, window=window)
    if probs_out is not None:
        bands = np.moveaxis(probs.astype(np.float32), -1, 0).copy()
        bands[:, ~inside] = np.nan
        probs_out.write(bands, window=window)


def _write_tiles(
    out: Path, source: RasterSource, names: list[str], colours: np.ndarray, probabilities: bool, results, count: int
) -> list[Path]:
    """Tiles into temporary GeoTIFFs beside ``out``, renamed at the end: never a half-written map under its name.

    ``results``: ``(top, left, labels, probabilities, inside)`` of each of the ``count`` tiles, in any order.
    """
    import rasterio

    targets = [out, out.with_name(out.stem + "-confidence.tif")]
    targets += [out.with_name(out.stem + "-probabilities.tif")] if probabilities else []
    for target in targets:
        if target.exists():
            raise UserError(f"{target} exists; give --out a new file (nothing is overwritten).")
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = [t.with_name(t.name + ".part") for t in targets]
    class_profile = {
        **geotiff_profile(source.height, source.width, 1, "uint8" if len(names) < 256 else "uint16", source.georef),
        "nodata": NODATA,
    }
    prob_profile = {
        **geotiff_profile(source.height, source.width, len(names), "float32", source.georef),
        "nodata": np.nan,
    }
    confidence_profile = {**prob_profile, "count": len(CONFIDENCE_BANDS)}
    try:
        with contextlib.ExitStack() as stack, pixel_grid_allowed():
            labels_out = stack.enter_context(rasterio.open(temporary[0], "w", **class_profile))
            describe_class_map(labels_out, names, colours)
            confidence_out = stack.enter_context(rasterio.open(temporary[1], "w", **confidence_profile))
            for index, name in enumerate(CONFIDENCE_BANDS, start=1):
                confidence_out.set_band_description(index, name)
            probs_out = stack.enter_context(rasterio.open(temporary[2], "w", **prob_profile)) if probabilities else None
            for result in tqdm(results, desc="predict tiles", unit="tile", total=count, disable=None, leave=False):
                _write_tile(labels_out, confidence_out, probs_out, *result)
            build_class_overviews(labels_out)
        for part, target in zip(temporary, targets, strict=True):
            os.replace(part, target)
    finally:
        for part in temporary:
            part.unlink(missing_ok=True)
    return targets
