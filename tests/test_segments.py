"""Segment smoothing: the mean over each segment, segments that follow the spectra, one segment gives one
class, a segment of less than a pixel is one sentence, and a finished run's maps smooth as the run did."""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli_helpers import run_cli
from omegaconf import OmegaConf
from synthetic import make_scene, write_scene_files

from hsi.errors import UserError
from hsi.maps.scene_maps import PREDICTIONS_NPZ
from hsi.segments import SegmentSmoothing, segment_mean, superpixels


def test_the_segment_mean_is_the_mean_of_each_segments_probabilities():
    rng = np.random.default_rng(0)
    probabilities = rng.dirichlet(np.ones(4), size=(9, 7)).astype(np.float32)
    segments = rng.integers(0, 5, size=(9, 7))
    smoothed = segment_mean(probabilities, segments)
    for s in range(5):  # an independent loop over the segments
        expected = probabilities[segments == s].mean(0)
        np.testing.assert_allclose(
            smoothed[segments == s], np.broadcast_to(expected, smoothed[segments == s].shape), rtol=1e-6
        )
    np.testing.assert_allclose(smoothed.sum(-1), 1.0, rtol=1e-6)


def test_one_segment_gives_the_whole_scene_one_class():
    cube, _ = make_scene(seed=1)
    segments = superpixels(cube.astype(np.float64), SegmentSmoothing(size=cube.shape[0] * cube.shape[1]))
    assert (segments == 0).all()
    probabilities = np.random.default_rng(1).dirichlet(np.ones(3), size=cube.shape[:2])
    labels = segment_mean(probabilities, segments).argmax(-1)
    assert len(np.unique(labels)) == 1


def test_segments_follow_the_spectra_and_mend_a_speckled_map():
    """Stripes of four classes with their own spectra; a map right on 70% of pixels, speckled at random,
    becomes right on nearly every labelled pixel once averaged over segments that do not cross stripes."""
    cube, gt = make_scene(height=32, width=32, seed=2)
    rng = np.random.default_rng(3)
    truth = np.where(gt > 0, gt - 1, 0)
    probabilities = rng.dirichlet(np.ones(4), size=gt.shape) * 0.5
    probabilities[np.arange(32)[:, None], np.arange(32)[None, :], truth] += np.where(rng.random(gt.shape) < 0.7, 1, 0)
    before = (probabilities.argmax(-1) == truth)[gt > 0].mean()
    image = (cube - cube.mean((0, 1))) / cube.std((0, 1))
    segments = superpixels(image, SegmentSmoothing(size=40, compactness=0.1, components=20))
    after = (segment_mean(probabilities, segments).argmax(-1) == truth)[gt > 0].mean()
    assert before < 0.8 and after > 0.97


@pytest.mark.parametrize(
    "section, message",
    [
        ({"size": 0}, "segments.size is 0; no segment can be made of less than one pixel"),
        ({"size": True}, "segments.size is True"),
        ({"size": 10, "compactness": 0}, "segments.compactness is 0; it must be a number above 0"),
        ({"size": 10, "components": 0}, "segments.components is 0"),
    ],
)
def test_bad_segment_settings_are_one_sentence(section, message):
    with pytest.raises(UserError, match=message):
        SegmentSmoothing.from_config(OmegaConf.create(section))


def test_off_unless_a_size_is_given():
    assert SegmentSmoothing.from_config(OmegaConf.create({"size": None, "compactness": 0.1})) is None
    assert SegmentSmoothing.from_config(None) is None


def test_a_segment_of_less_than_a_pixel_is_refused_before_training(tmp_path):
    scene = write_scene_files(tmp_path)
    result = run_cli("hsi-train", *scene, "model=svm", "segments.size=0", "hydra.run.dir=run", cwd=tmp_path)
    assert result.returncode == 2
    assert "segments.size is 0; no segment can be made of less than one pixel" in result.stderr
    assert not (tmp_path / "run" / "metrics.json").exists()


@pytest.fixture(scope="module")
def smoothed_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("segments")
    result = run_cli(
        "hsi-train",
        *write_scene_files(tmp),
        "model=svm",
        "split.train_fraction=0.2",
        "segments.size=48",
        "hydra.run.dir=run",
        cwd=tmp,
    )
    assert result.returncode == 0, result.stderr
    return tmp / "run"


def test_a_smoothed_run_gives_every_segment_one_class_and_says_so(smoothed_run):
    saved = np.load(smoothed_run / "maps" / PREDICTIONS_NPZ)
    metrics = json.loads((smoothed_run / "metrics.json").read_text())
    assert metrics["protocol"]["training"]["segments"] == {"size": 48, "compactness": 0.1, "components": 3}
    assert "segments" in metrics["scene_prediction"]["path"]
    assert "SLIC segments" in (smoothed_run / "report.md").read_text()
    probabilities = saved["probabilities"]
    # Pixels of one segment share their probabilities: the map has at most as many distinct rows as segments.
    distinct = np.unique(probabilities.reshape(-1, probabilities.shape[-1]).round(6), axis=0)
    assert len(distinct) <= 2 * 24 * 24 // 48  # SLIC makes about, not exactly, the 12 segments asked for


def test_hsi_map_of_a_smoothed_run_smooths_as_the_run_did(smoothed_run, tmp_path):
    result = run_cli("hsi-map", str(smoothed_run), "--out", str(tmp_path / "again"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    before = np.load(smoothed_run / "maps" / PREDICTIONS_NPZ)["labels"]
    np.testing.assert_array_equal(np.load(tmp_path / "again" / PREDICTIONS_NPZ)["labels"], before)


def test_hsi_predict_of_a_smoothed_run_in_one_tile_is_the_runs_own_map(smoothed_run, tmp_path):
    rasterio = pytest.importorskip("rasterio")
    cube, _ = make_scene()  # the training scene itself, unlabelled, as a NumPy cube
    np.save(tmp_path / "scene.npy", cube)
    out = tmp_path / "classes.tif"
    result = run_cli("hsi-predict", str(smoothed_run), str(tmp_path / "scene.npy"), "--out", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    with rasterio.open(out) as src:
        np.testing.assert_array_equal(src.read(1), np.load(smoothed_run / "maps" / PREDICTIONS_NPZ)["labels"])
