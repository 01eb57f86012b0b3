"""Self-training: the pseudo-labels are each class's most confident pixels, never validation pixels; the refit
reads them with the class predicted; the SVM keeps the settings its search chose; refusals are one sentence."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest
from cli_helpers import assert_refused_before_training, run_cli, train_on_synthetic_scene
from omegaconf import OmegaConf

from hsi.classifiers import ScenePrediction, with_self_training
from hsi.classifiers.self_training import SelfTraining, pseudo_labels
from hsi.errors import UserError
from hsi.maps.scene_maps import PREDICTIONS_NPZ
from hsi.models.svm import SpectralSVM
from hsi.splits import Split


def test_pseudo_labels_are_each_classs_most_confident_pixels_outside_the_excluded():
    rng = np.random.default_rng(0)
    probabilities = rng.dirichlet(np.ones(3), size=200)
    train_labels = np.array([0] * 4 + [1] * 2 + [2] * 0)  # class 2 has no training pixel: none of it is chosen
    excluded = rng.random(200) < 0.3
    pixels, classes = pseudo_labels(probabilities, train_labels, excluded, share=2.5)
    expected = {}
    for k, count in ((0, 4), (1, 2)):  # brute force: sort each class's own pixels by confidence
        own = [i for i in range(200) if probabilities[i].argmax() == k and not excluded[i]]
        own.sort(key=lambda i: (-probabilities[i].max(), i))
        expected.update({i: k for i in own[: round(2.5 * count)]})
    assert dict(zip(pixels.tolist(), classes.tolist(), strict=True)) == expected
    assert not excluded[pixels].any()


class _Recorder:
    """A classifier of single spectra whose map claims pixel p for class p % 2, more surely for larger p."""

    own_preprocessing = True
    history, best_epoch, fit_seconds = [], None, 0.0

    def __init__(self, pixels: int) -> None:
        self.pixels, self.fits = pixels, []
        self.model = SimpleNamespace(kept=False, keep_choices=lambda: setattr(self.model, "kept", True))

    def fit(self, inputs, labels, split, seed, resume_state=None):
        self.fits.append((labels.copy(), np.array(split.train), self.model.kept))

    def predict_scene(self, inputs):
        p = np.arange(self.pixels)
        probabilities = np.full((self.pixels, 2), 0.0)
        probabilities[p, p % 2] = 0.5 + 0.5 * p / self.pixels
        probabilities[p, 1 - p % 2] = 1 - probabilities[p, p % 2]
        return ScenePrediction(probabilities.argmax(1), probabilities.reshape(1, self.pixels, 2), "spectra", 0.0)

    def training_record(self):
        return {"classifier": "recorder"}


def test_the_refit_trains_on_the_pseudo_labels_with_the_settings_chosen_first():
    labels = np.full(40, -1)
    labels[[0, 1, 2, 3]] = [0, 1, 0, 1]
    split = Split(train=np.array([0, 1, 2, 3]), val=np.array([38, 39]), test=np.arange(4, 38))
    inner = _Recorder(40)
    classifier = with_self_training(inner, OmegaConf.create({"share": 1.5, "rounds": 1}))
    classifier.fit(SimpleNamespace(), labels, split, seed=0)
    (first_labels, first_train, kept_first), (labels2, train2, kept_second) = inner.fits
    assert not kept_first and kept_second  # the search ran once, on the training pixels only
    np.testing.assert_array_equal(first_train, split.train)
    # three per class (1.5 x 2): the largest even and odd pixels outside training and validation
    np.testing.assert_array_equal(train2, [0, 1, 2, 3, 32, 33, 34, 35, 36, 37])
    np.testing.assert_array_equal(labels2[[32, 34, 36]], 0)
    np.testing.assert_array_equal(labels2[[33, 35, 37]], 1)
    np.testing.assert_array_equal(labels2[38:], -1)  # validation pixels keep their own (here: no) labels
    assert classifier.training_record()["self_training"] == {"share": 1.5, "rounds": 1, "pseudo_labels": [6]}


def test_the_svm_keeps_the_settings_its_search_chose():
    rng = np.random.default_rng(1)
    spectra = np.concatenate([rng.normal(0, 1, (30, 6)), rng.normal(3, 1, (30, 6))])
    labels = np.repeat([0, 1], 30)
    svm = SpectralSVM(6, 1, 2, seed=0).fit(spectra, labels)
    chosen = {k: svm.chosen[k] for k in ("C", "gamma_scale", "components")}
    svm.keep_choices()
    svm.fit(spectra[::-1], labels[::-1])
    assert not svm.search and {k: svm.chosen[k] for k in chosen} == chosen


@pytest.mark.parametrize(
    "section, message",
    [
        ({"share": 0}, "self_training.share is 0; give the pseudo-labels per class"),
        ({"share": 2, "rounds": 0}, "self_training.rounds is 0"),
    ],
)
def test_bad_self_training_settings_are_one_sentence(section, message):
    with pytest.raises(UserError, match=message):
        SelfTraining.from_config(OmegaConf.create(section))


def test_self_training_of_hybridsn_is_refused_before_training(tmp_path):
    said = assert_refused_before_training(tmp_path, "model=hybridsn", "self_training.share=2")
    assert "self_training fits a model again from scratch" in said


def test_a_self_trained_svm_run_says_so_and_maps_as_it_did(tmp_path):
    result = train_on_synthetic_scene(tmp_path, "model=svm", "split.train_fraction=0.2", "self_training.share=1")
    assert result.returncode == 0, result.stderr
    run = tmp_path / "run"
    record = json.loads((run / "metrics.json").read_text())["protocol"]["training"]
    assert record["self_training"]["pseudo_labels"][0] > 0
    assert "- self-training: fitted again once with its own most confident pixels" in (run / "report.md").read_text()
    again = run_cli("hsi-map", str(run), "--out", str(tmp_path / "again"), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    np.testing.assert_array_equal(
        np.load(tmp_path / "again" / PREDICTIONS_NPZ)["labels"], np.load(run / "maps" / PREDICTIONS_NPZ)["labels"]
    )
