"""hsi-predict: an unlabelled scene, tile by tile with a halo, equals the untiled one; bad input is one sentence."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from cli_helpers import run_cli

from hsi.classifiers import NetworkClassifier, SceneInputs
from hsi.models import HybridSN
from hsi.predict_tiles import RasterSource, predict_tile
from hsi.preprocess import fit_pca

rasterio = pytest.importorskip("rasterio")


def _assemble(classifier, pca, source, window, padding, tile):
    labels = np.zeros((source.height, source.width), np.int64)
    probabilities = np.zeros((source.height, source.width, 3), np.float32)
    for top in range(0, source.height, tile):
        for left in range(0, source.width, tile):
            predict = lambda cube: classifier.predict_scene(SceneInputs.from_cube(cube, pca, window, padding))  # noqa: E731
            got, probs, _ = predict_tile(predict, window // 2, source, top, left, tile)
            labels[top : top + got.shape[0], left : left + got.shape[1]] = got
            probabilities[top : top + got.shape[0], left : left + got.shape[1]] = probs
    return labels, probabilities


@pytest.mark.parametrize("padding", ["zero", "reflect"])
@pytest.mark.parametrize("attention", ["none", "se"])  # the dense path and the window path
def test_tiles_with_a_halo_equal_the_untiled_prediction(tmp_path, padding, attention):
    rng = np.random.default_rng(0)
    cube = rng.normal(size=(41, 37, 20)).astype(np.float32)
    np.save(tmp_path / "scene.npy", cube)
    torch.manual_seed(0)
    model = HybridSN(in_bands=13, window=9, num_classes=3, attention=attention)
    classifier = NetworkClassifier(model, precision="fp32", device="cpu")
    pca = fit_pca(cube, np.ones(cube.shape[:2], bool), 13)
    source = RasterSource.open(tmp_path / "scene.npy")
    whole, whole_probs = _assemble(classifier, pca, source, 9, padding, tile=1000)
    tiled, tiled_probs = _assemble(classifier, pca, source, 9, padding, tile=12)
    assert whole_probs.std(axis=(0, 1)).max() > 1e-4  # the probabilities differ from pixel to pixel
    np.testing.assert_array_equal(tiled, whole)
    np.testing.assert_allclose(tiled_probs, whole_probs, atol=1e-5)


def _trained_run(tmp_path):
    from conftest import FAST
    from synthetic import write_scene_files

    run_dir = tmp_path / "run"
    result = run_cli(
        "hsi-train", *write_scene_files(tmp_path), *FAST, "trainer.epochs=3", f"hydra.run.dir={run_dir}", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    return run_dir


def test_hsi_predict_writes_a_georeferenced_class_map_of_a_larger_unlabelled_scene(tmp_path):
    from rasterio.transform import from_origin
    from synthetic import make_scene

    run_dir = _trained_run(tmp_path)
    cube, _ = make_scene(height=70, width=53, seed=3)  # larger than the training scene, no labels
    transform = from_origin(300000.0, 5000000.0, 30.0, 30.0)
    with rasterio.open(
        tmp_path / "flight.tif",
        "w",
        driver="GTiff",
        height=70,
        width=53,
        count=20,
        dtype="float32",
        crs="EPSG:32633",
        transform=transform,
    ) as dst:
        dst.write(np.moveaxis(cube.astype(np.float32), -1, 0))
    out = tmp_path / "classes.tif"
    result = run_cli(
        "hsi-predict",
        str(run_dir),
        str(tmp_path / "flight.tif"),
        "--out",
        str(out),
        "--tile",
        "16",
        "--probabilities",
        "--precision",
        "fp32",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    with rasterio.open(out) as src:
        assert (src.height, src.width) == (70, 53) and src.crs.to_epsg() == 32633 and src.transform == transform
        tiled = src.read(1)
        assert src.colormap(1)[1][:3] != (0, 0, 0) and src.tags(1)["CLASS_1"] == "class 1"
    assert (tmp_path / "classes-probabilities.tif").is_file() and not list(tmp_path.glob("*.part"))
    with (
        rasterio.open(tmp_path / "classes-confidence.tif") as src,
        rasterio.open(tmp_path / "classes-probabilities.tif") as probs,
    ):
        assert src.count == 2 and src.crs.to_epsg() == 32633 and src.transform == transform
        np.testing.assert_allclose(src.read(1), probs.read().max(axis=0), rtol=1e-6)  # the top probability
    again = tmp_path / "whole.tif"
    assert (
        run_cli(
            "hsi-predict",
            str(run_dir),
            str(tmp_path / "flight.tif"),
            "--out",
            str(again),
            "--tile",
            "100",
            "--precision",
            "fp32",
            cwd=tmp_path,
        ).returncode
        == 0
    )
    with rasterio.open(again) as src:
        np.testing.assert_array_equal(src.read(1), tiled)  # tile size changes nothing
    refused = run_cli("hsi-predict", str(run_dir), str(tmp_path / "flight.tif"), "--out", str(out), cwd=tmp_path)
    assert refused.returncode == 2 and "exists; give --out a new file" in refused.stderr


def test_a_scene_with_other_bands_is_one_sentence_and_writes_nothing(tmp_path):
    run_dir = _trained_run(tmp_path)
    np.save(tmp_path / "other.npy", np.zeros((30, 30, 25), np.float32))
    out = tmp_path / "x.tif"
    result = run_cli("hsi-predict", str(run_dir), str(tmp_path / "other.npy"), "--out", str(out), cwd=tmp_path)
    assert result.returncode == 2 and "has 25 bands but the run was trained on 20" in result.stderr
    assert "Traceback" not in result.stderr and not out.exists()


def test_a_scene_without_georeference_is_predicted_without_rasterio_warnings(tmp_path):
    from synthetic import make_scene

    run_dir = _trained_run(tmp_path)
    np.save(tmp_path / "plain.npy", make_scene(height=30, width=26, seed=3)[0].astype(np.float32))
    out = tmp_path / "plain.tif"
    with warnings.catch_warnings(record=True) as caught:  # in this process, warnings are caught, not printed
        warnings.simplefilter("always")
        result = run_cli("hsi-predict", str(run_dir), str(tmp_path / "plain.npy"), "--out", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert not [w for w in caught if "rasterio" in w.filename], [str(w.message) for w in caught]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
        with rasterio.open(out) as written:
            assert written.shape == (30, 26) and written.crs is None
