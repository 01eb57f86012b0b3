"""GeoTIFF in and out: the CRS and transform of the input carried to maps/prediction.tif, with its legend.

Checked with rasterio, and with GDAL's own ``gdalinfo`` where Debian's gdal-bin is installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pytest
from cli_helpers import run_cli
from conftest import FAST
from synthetic import make_scene

rasterio = pytest.importorskip("rasterio")
from rasterio.transform import from_origin  # noqa: E402

from hsi.maps.palette import class_palette  # noqa: E402

CRS = "EPSG:32616"  # UTM 16N, where Indian Pines lies
TRANSFORM = from_origin(500000.0, 4500000.0, 20.0, 20.0)  # 20 m pixels


def _write_tif(path, array, nodata=None, transform=TRANSFORM, crs=CRS):
    bands = array[None] if array.ndim == 2 else np.moveaxis(array, -1, 0)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=bands.shape[1],
        width=bands.shape[2],
        count=bands.shape[0],
        dtype=bands.dtype,
        crs=crs,
        transform=transform,
        nodata=nodata,
    ) as dst:
        dst.write(bands)


@pytest.fixture(scope="module")
def geotiff_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("geotiff")
    cube, gt = make_scene()
    cube = cube.astype(np.float32)
    cube[0, :3] = -9999.0  # three pixels without data
    _write_tif(tmp / "cube.tif", cube, nodata=-9999.0)
    _write_tif(tmp / "labels.tif", gt.astype(np.uint8), nodata=0)
    run_dir = tmp / "run"
    result = run_cli(
        "hsi-train",
        "dataset=custom",
        f"dataset.cube_path={tmp / 'cube.tif'}",
        f"dataset.gt_path={tmp / 'labels.tif'}",
        "dataset.class_names=[water,field,forest,town]",
        "preprocess.n_components=15",
        "preprocess.window=9",
        *FAST,
        "trainer.epochs=3",
        "maps.probabilities_geotiff=true",
        f"hydra.run.dir={run_dir}",
        cwd=tmp,
    )
    assert result.returncode == 0, result.stderr
    return tmp, run_dir


def test_the_class_map_keeps_the_inputs_crs_and_transform_and_equals_the_predictions(geotiff_run):
    _, run_dir = geotiff_run
    with rasterio.open(run_dir / "maps" / "prediction.tif") as src:
        assert src.crs.to_epsg() == 32616 and src.transform == TRANSFORM
        assert src.dtypes == ("uint8",) and src.nodata == 0 and src.compression.name.lower() == "deflate"
        labels = src.read(1)
        colours = src.colormap(1)
        tags = src.tags(1)
        assert json.loads(src.tags()["class_names"]) == ["water", "field", "forest", "town"]
    saved = np.load(run_dir / "maps" / "predictions.npz")["labels"]
    np.testing.assert_array_equal(labels, saved)
    assert (labels[0, :3] == 0).all() and (labels[1:] > 0).all()  # nodata in, nodata out
    palette = class_palette(4)
    for k in range(1, 5):
        assert colours[k][:3] == tuple(int(c) for c in palette[k])
        assert tags[f"CLASS_{k}"] == ["water", "field", "forest", "town"][k - 1]


def test_the_probabilities_are_a_band_per_class(geotiff_run):
    _, run_dir = geotiff_run
    with rasterio.open(run_dir / "maps" / "probabilities.tif") as src:
        assert src.count == 4 and src.dtypes[0] == "float32" and src.crs.to_epsg() == 32616
        bands = src.read()
        assert src.descriptions[0] == "probability of water"
    probabilities = np.load(run_dir / "maps" / "predictions.npz")["probabilities"]
    np.testing.assert_allclose(np.moveaxis(bands, 0, -1)[1:], probabilities[1:], rtol=1e-6)
    assert np.isnan(bands[:, 0, :3]).all()


def test_the_confidence_map_is_the_top_probability_and_the_entropy_on_the_same_grid(geotiff_run):
    _, run_dir = geotiff_run
    with rasterio.open(run_dir / "maps" / "confidence.tif") as src:
        assert src.count == 2 and src.crs.to_epsg() == 32616 and src.transform == TRANSFORM
        assert src.descriptions[0] == "top class probability"
        top, entropy = src.read()
    p = np.load(run_dir / "maps" / "predictions.npz")["probabilities"].astype(np.float64)
    np.testing.assert_allclose(top[1:], p[1:].max(-1), rtol=1e-6)
    expected = -(p * np.log(np.where(p > 0, p, 1))).sum(-1) / np.log(4)
    np.testing.assert_allclose(entropy[1:], expected[1:], rtol=1e-5, atol=1e-6)
    assert np.isnan(top[0, :3]).all() and np.isnan(entropy[0, :3]).all()  # no data in, no confidence out
    assert (run_dir / "maps" / "confidence.png").is_file() and (run_dir / "reliability.png").is_file()


@pytest.mark.skipif(shutil.which("gdalinfo") is None, reason="gdalinfo (Debian's gdal-bin) is not installed")
def test_gdal_reads_the_crs_colour_table_and_class_names(geotiff_run):
    _, run_dir = geotiff_run
    info = subprocess.run(
        ["gdalinfo", str(run_dir / "maps" / "prediction.tif")], capture_output=True, text=True, check=True
    ).stdout
    assert "UTM zone 16N" in info and "Pixel Size = (20.000000000000000,-20.000000000000000)" in info
    assert "Color Table" in info and "CLASS_4=town" in info and "NoData Value=0" in info


def test_a_scene_without_georeferencing_gets_the_pixel_grid(finished_run):
    with rasterio.open(finished_run / "maps" / "prediction.tif") as src:
        assert src.crs is None and src.transform.to_gdal() == (0.0, 1.0, 0.0, 0.0, 0.0, -1.0)
        np.testing.assert_array_equal(src.read(1), np.load(finished_run / "maps" / "predictions.npz")["labels"])


def test_labels_on_another_grid_are_refused_in_one_sentence(geotiff_run, tmp_path):
    tmp, _ = geotiff_run
    _, gt = make_scene()
    _write_tif(tmp_path / "shifted.tif", gt.astype(np.uint8), transform=from_origin(500100.0, 4500000.0, 20.0, 20.0))
    run_dir = tmp_path / "run"
    result = run_cli(
        "hsi-train",
        "dataset=custom",
        f"dataset.cube_path={tmp / 'cube.tif'}",
        f"dataset.gt_path={tmp_path / 'shifted.tif'}",
        "preprocess.n_components=15",
        "preprocess.window=9",
        *FAST,
        f"hydra.run.dir={run_dir}",
        cwd=tmp_path,
    )
    assert result.returncode == 2 and "are on another pixel grid (transform) than the cube" in result.stderr
    assert not run_dir.exists()


def test_an_unreadable_geotiff_is_one_sentence(tmp_path):
    (tmp_path / "broken.tif").write_bytes(b"II*\x00not really a tiff")
    run_dir = tmp_path / "run"
    result = run_cli(
        "hsi-train",
        "dataset=custom",
        f"dataset.cube_path={tmp_path / 'broken.tif'}",
        f"dataset.gt_path={tmp_path / 'broken.tif'}",
        f"hydra.run.dir={run_dir}",
        cwd=tmp_path,
    )
    assert result.returncode == 2 and "could not be read as a GeoTIFF" in result.stderr
    assert "Traceback" not in result.stderr and not run_dir.exists()


def test_an_envi_scene_keeps_its_map_info_in_both_maps(tmp_path):
    import spectral.io.envi as envi

    cube, gt = make_scene()
    map_info = ["UTM", "1", "1", "500000.0", "4500000.0", "20.0", "20.0", "16", "North", "WGS-84", "units=Meters"]
    envi.save_image(str(tmp_path / "cube.hdr"), cube.astype(np.float32), force=True, metadata={"map info": map_info})
    envi.save_classification(str(tmp_path / "gt.hdr"), gt.astype(np.uint8), force=True)
    run_dir = tmp_path / "run"
    result = run_cli(
        "hsi-train",
        "dataset=custom",
        f"dataset.cube_path={tmp_path / 'cube.hdr'}",
        f"dataset.gt_path={tmp_path / 'gt.hdr'}",
        "preprocess.n_components=15",
        "preprocess.window=9",
        *FAST,
        "trainer.epochs=2",
        f"hydra.run.dir={run_dir}",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    with rasterio.open(run_dir / "maps" / "prediction.tif") as src:
        assert src.transform == TRANSFORM  # upper-left corner of pixel (1, 1) at (500000, 4500000), 20 m pixels
    written = envi.read_envi_header(str(run_dir / "maps" / "prediction.hdr"))
    assert written["map info"] == map_info


def test_writing_a_class_map_makes_gdal_signal_no_error(tmp_path, caplog):
    """The colour table needs a palette TIFF; switching to one after the pixels are written made GDAL log an error."""
    import logging

    import rasterio

    from hsi.maps.geotiff import export_class_geotiff
    from hsi.maps.palette import class_palette

    labels = np.random.default_rng(0).integers(0, 4, size=(40, 50))
    with caplog.at_level(logging.DEBUG, logger="rasterio"):
        export_class_geotiff(tmp_path / "map.tif", labels, ["a", "b", "c"], class_palette(3))
    assert not [r for r in caplog.records if "error" in r.getMessage().lower()]
    with rasterio.open(tmp_path / "map.tif") as src:
        assert src.colorinterp[0].name == "palette" and src.colormap(1)[2][:3] == tuple(class_palette(3)[2][:3])
        np.testing.assert_array_equal(src.read(1), labels)
