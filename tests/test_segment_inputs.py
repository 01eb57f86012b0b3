"""Segment spectra as a classifier's input: the stack and the mean are what they say, the model reads them at fit
and at prediction, stacking is refused where a model cannot read it, and a finished run maps as it did."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest
from cli_helpers import assert_refused_before_training, run_cli, train_on_synthetic_scene
from omegaconf import OmegaConf
from synthetic import make_scene

from hsi.classifiers import SceneInputs, ScenePrediction, with_segments
from hsi.classifiers.segment_inputs import SegmentInputClassifier
from hsi.errors import UserError
from hsi.maps.scene_maps import PREDICTIONS_NPZ
from hsi.segments import SegmentInputs, SegmentSmoothing, superpixels


def _independent_segment_mean(spectra: np.ndarray, segments: np.ndarray) -> np.ndarray:
    out = np.empty(spectra.shape, dtype=np.float64)
    for s in np.unique(segments):
        out[segments == s] = spectra[segments == s].mean(0)
    return out


def test_stack_joins_each_spectrum_with_its_segments_mean_and_mean_replaces_it():
    rng = np.random.default_rng(0)
    spectra = rng.normal(size=(9, 7, 5)).astype(np.float32)
    segments = rng.integers(0, 4, size=(9, 7))
    expected = _independent_segment_mean(spectra, segments)
    stacked = SegmentInputs("stack", SegmentSmoothing(10)).transform(spectra, segments)
    assert stacked.shape == (9, 7, 10)
    np.testing.assert_array_equal(stacked[..., :5], spectra)
    np.testing.assert_allclose(stacked[..., 5:], expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        SegmentInputs("mean", SegmentSmoothing(10)).transform(spectra, segments), expected, rtol=1e-5, atol=1e-6
    )


class _Recorder:
    """A classifier of single spectra that keeps what it is given and predicts class 0 everywhere."""

    own_preprocessing = True
    history, best_epoch, fit_seconds = [], None, 0.0

    def __init__(self) -> None:
        self.seen: list[SceneInputs] = []

    def fit(self, inputs, labels, split, seed, resume_state=None):
        self.seen.append(inputs)

    def predict_scene(self, inputs):
        self.seen.append(inputs)
        probabilities = np.zeros((*inputs.shape, 2), np.float32)
        probabilities[..., 0] = 1
        return ScenePrediction(probabilities.argmax(-1), probabilities, "spectra", 0.0)

    def training_record(self):
        return {"classifier": "recorder"}


@pytest.mark.parametrize("mode", ["stack", "mean"])
def test_the_model_reads_segment_spectra_at_fit_and_at_prediction(mode):
    cube, _ = make_scene(height=24, width=24, seed=4)
    reduced = ((cube - cube.mean((0, 1))) / cube.std((0, 1)))[..., :6]
    inputs = SceneInputs(reduced, cube, window=5, padding="reflect")
    inner = _Recorder()
    section = OmegaConf.create({"input_size": 30, "input_mode": mode, "compactness": 0.1, "components": 3})
    classifier = with_segments(inner, section)
    classifier.fit(inputs, np.zeros(24 * 24, np.int64), split=SimpleNamespace(train=np.arange(10)), seed=0)
    classifier.predict_scene(inputs)
    segments = superpixels(reduced, SegmentSmoothing(30, 0.1, 3))
    assert len(np.unique(segments)) > 4  # a real cut, not one segment
    means = _independent_segment_mean(cube.astype(np.float32), segments)
    for seen in inner.seen:
        if mode == "stack":
            np.testing.assert_allclose(seen.raw, np.concatenate([cube, means], -1), rtol=1e-5, atol=1e-5)
            np.testing.assert_array_equal(seen.reduced, reduced)
        else:
            np.testing.assert_allclose(seen.raw, means, rtol=1e-5, atol=1e-5)
            np.testing.assert_allclose(seen.reduced, _independent_segment_mean(reduced, segments), rtol=1e-5, atol=1e-5)
    assert classifier.training_record()["segment_inputs"] == {
        "mode": mode,
        "size": 30,
        "compactness": 0.1,
        "components": 3,
    }


def test_stacking_is_refused_for_a_model_of_pca_windows_in_one_sentence():
    network = SimpleNamespace(own_preprocessing=False)
    with pytest.raises(UserError, match=r"only the models of single spectra read .* use segments.input_mode=mean"):
        SegmentInputClassifier(network, SegmentInputs("stack", SegmentSmoothing(20)))
    SegmentInputClassifier(network, SegmentInputs("mean", SegmentSmoothing(20)))  # the mean keeps the shape: allowed


@pytest.mark.parametrize(
    "section, message",
    [
        ({"input_size": 0}, "segments.input_size is 0; no segment can be made of less than one pixel"),
        ({"input_size": 20, "input_mode": "max"}, "segments.input_mode is 'max'; it must be stack or mean"),
    ],
)
def test_bad_input_settings_are_one_sentence(section, message):
    with pytest.raises(UserError, match=message):
        SegmentInputs.from_config(OmegaConf.create(section))


def test_off_unless_an_input_size_is_given():
    assert SegmentInputs.from_config(OmegaConf.create({"size": 20, "input_size": None})) is None


def test_stacking_for_hybridsn_is_refused_before_training(tmp_path):
    said = assert_refused_before_training(tmp_path, "model=hybridsn", "segments.input_size=20")
    assert "segments.input_mode=stack joins two spectra into one input" in said


@pytest.fixture(scope="module")
def stacked_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("segment_inputs")
    result = train_on_synthetic_scene(tmp, "model=svm", "split.train_fraction=0.2", "segments.input_size=24")
    assert result.returncode == 0, result.stderr
    return tmp / "run"


def test_a_stacked_run_fits_on_twice_the_bands_and_says_so(stacked_run):
    metrics = json.loads((stacked_run / "metrics.json").read_text())
    cube, _ = make_scene()
    training = metrics["protocol"]["training"]
    assert training["bands"] == 2 * cube.shape[-1]
    assert training["segment_inputs"]["mode"] == "stack"
    assert (
        "input: each pixel's spectrum joined with the mean spectrum of its SLIC segment"
        in (stacked_run / "report.md").read_text()
    )


def test_hsi_map_of_a_stacked_run_maps_as_the_run_did(stacked_run, tmp_path):
    result = run_cli("hsi-map", str(stacked_run), "--out", str(tmp_path / "again"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    before = np.load(stacked_run / "maps" / PREDICTIONS_NPZ)["labels"]
    np.testing.assert_array_equal(np.load(tmp_path / "again" / PREDICTIONS_NPZ)["labels"], before)
