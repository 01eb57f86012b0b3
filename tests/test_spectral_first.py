"""The spectral-first network, the band-scaling preprocessing it reads, and scoring on a larger window's split."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from cli_helpers import assert_refused_before_training, run_cli, train_on_synthetic_scene
from hydra import compose, initialize_config_module
from synthetic import make_scene

from hsi.experiment import make_split
from hsi.models.spectral_first import SpectralFirstNet
from hsi.preprocess import fit_band_scaling, fit_reduction, input_channels


def test_band_scaling_keeps_every_band_in_order_standardised_on_the_fit_pixels():
    cube, gt = make_scene()
    cube = cube.astype(np.float64)
    cube[..., 3] = 7.0  # a constant band
    fit = gt > 1
    scaled = fit_band_scaling(cube, fit).transform(cube)
    pixels = cube[fit]
    spread = pixels.std(0)
    spread[spread == 0] = 1
    expected = (cube - pixels.mean(0)) / spread
    np.testing.assert_allclose(scaled, expected, rtol=1e-5, atol=1e-5)
    assert np.all(scaled[..., 3] == 0)
    assert input_channels("bands", 30, cube.shape[2]) == cube.shape[2]
    assert input_channels("pca", 30, cube.shape[2]) == 30
    assert fit_reduction(cube, fit, "pca", 5).num_components == 5


def test_the_spectral_branch_reads_the_centre_spectrum_and_the_spatial_branch_the_neighbours():
    torch.manual_seed(0)
    net = SpectralFirstNet(in_bands=40, window=7, num_classes=5).eval()
    windows = torch.randn(3, 1, 40, 7, 7)
    others = torch.randn(3, 1, 40, 7, 7)
    others[..., 3, 3] = windows[..., 3, 3]  # same centre spectra, other neighbours
    with torch.no_grad():
        assert not torch.allclose(net(windows), net(others))  # the window matters
        spectral = net.spectral(windows[:, 0, :, 3, 3])  # the 1-D CNN's layers on the centre spectrum
        net.classifier[1].weight[:, net.hidden :] = 0  # silence the spatial branch's features
        torch.testing.assert_close(net(windows), net(others))  # then only the centre spectrum does
        torch.testing.assert_close(net(windows), net.classifier(torch.cat([spectral, torch.zeros(3, 16)], 1)))


def _split(window: int, split_window: int | None):
    cube, gt = make_scene(height=40, width=40)
    overrides = ["split=disjoint", "split.train_fraction=0.2", "split.min_val=2", "split.min_test=4"]
    overrides += [f"preprocess.window={window}", f"split_window={'null' if split_window is None else split_window}"]
    with initialize_config_module("hsi.configs", version_base="1.3"):
        cfg = compose("train", overrides=overrides)
    scene = type("Scene", (), {"gt": gt, "class_names": ["a", "b", "c", "d"]})()
    return make_split(cfg, scene, None)


def test_a_smaller_window_is_scored_on_the_very_split_of_a_larger_one():
    small, large, shared = _split(3, None), _split(9, None), _split(3, 9)
    for part in ("train", "val", "test"):
        np.testing.assert_array_equal(getattr(shared, part), getattr(large, part))
    assert not np.array_equal(small.test, large.test)  # the buffer follows the window otherwise


def test_a_run_trains_on_every_band_and_maps_again_from_its_checkpoint(tmp_path):
    result = train_on_synthetic_scene(
        tmp_path,
        "model=spectral_first",
        "preprocess.reduction=bands",
        "preprocess.window=5",
        "split=disjoint",
        "split_window=7",
        "split.train_fraction=0.2",
        "split.min_val=2",
        "split.min_test=4",
        "trainer.epochs=3",
        "trainer.precision=fp32",
    )
    assert result.returncode == 0, result.stderr
    run = tmp_path / "run"
    protocol = json.loads((run / "metrics.json").read_text())["protocol"]
    bands = make_scene()[0].shape[2]
    assert protocol["reduction"] == "bands" and protocol["pca_components"] == bands and protocol["window"] == 5
    assert protocol["split_window"] == 7
    report = (run / "report.md").read_text()
    assert "every band in order" in report and "the split's buffer that of 7x7 windows" in report
    again = run_cli("hsi-map", str(run), "--out", str(tmp_path / "again"), "--precision", "fp32", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    np.testing.assert_array_equal(
        np.load(tmp_path / "again" / "predictions.npz")["labels"], np.load(run / "maps" / "predictions.npz")["labels"]
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["preprocess.window=9", "split_window=7"], "split_window is 7, smaller than the 9x9 windows"),
        (["split_window=8"], "split_window is 8; give an odd whole number"),
        (["preprocess.reduction=wavelets"], "preprocess.reduction is 'wavelets'; choose one of pca, bands"),
        (["preprocess.reduction=bands", "segments.size=20"], "segments follow the run's PCA image"),
        (["preprocess.window=3"], "model=spectral_first needs windows of at least 5x5"),
    ],
)
def test_bad_settings_are_refused_in_one_sentence_before_training(tmp_path, overrides, message):
    assert message in assert_refused_before_training(tmp_path, "model=spectral_first", *overrides)
