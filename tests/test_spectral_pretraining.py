"""The 1-D CNN's focal loss and its masked-band pre-training on the scene's unlabelled pixels."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from cli_helpers import train_on_synthetic_scene
from synthetic import make_scene

from hsi.errors import UserError
from hsi.models.focal_loss import focal_loss
from hsi.models.masked_bands import mask_band_groups, pretrain_masked_bands
from hsi.models.spectral_cnn import HuSpectralNet, SpectralCNN1D


def test_focal_loss_against_its_formula_and_cross_entropy_at_gamma_zero():
    logits = torch.randn(50, 5, generator=torch.Generator().manual_seed(0)) * 3
    targets = torch.arange(50) % 5
    p = np.exp(logits.numpy().astype(np.float64))
    p /= p.sum(1, keepdims=True)
    p_true = p[np.arange(50), targets.numpy()]
    expected = np.mean(-((1 - p_true) ** 2) * np.log(p_true))  # Lin et al. 2017, eq. 4 without alpha
    assert float(focal_loss(logits, targets, 2.0)) == pytest.approx(expected, rel=1e-5)
    assert float(focal_loss(logits, targets, 0.0)) == pytest.approx(np.mean(-np.log(p_true)), rel=1e-5)
    assert float(focal_loss(logits, targets, 2.0)) < float(focal_loss(logits, targets, 0.0))


def test_the_mask_hides_half_of_each_spectrums_groups_of_neighbouring_bands():
    spectra = torch.zeros(40, 57)  # 6 groups of 10 bands, the last one of 7
    mask = mask_band_groups(spectra, 10, torch.Generator().manual_seed(1))
    groups = mask[:, ::10]
    assert mask.shape == spectra.shape and (groups.sum(1) == 3).all()
    for start in range(0, 57, 10):  # a group is hidden whole or not at all
        block = mask[:, start : start + 10]
        assert (block.all(1) | ~block.any(1)).all()
    assert len({tuple(row.tolist()) for row in groups}) > 5  # each spectrum draws its own groups


def _spectra(seed=0, per_class=30, bands=60, classes=4):
    shapes = np.random.default_rng(42).normal(size=(classes, bands)).cumsum(1)
    labels = np.repeat(np.arange(classes), per_class)
    return 1000 + 50 * shapes[labels] + np.random.default_rng(seed).normal(scale=20, size=(len(labels), bands)), labels


def test_pretraining_learns_to_restore_hidden_bands():
    spectra, _ = _spectra(per_class=100)
    standardised = torch.tensor((spectra - spectra.mean(0)) / spectra.std(0), dtype=torch.float32)
    net = HuSpectralNet(60, 4)
    before = [p.clone() for p in net.features.parameters()]
    losses = pretrain_masked_bands(net.encoder(), 100, standardised, epochs=15, lr=1e-3, seed=0)
    assert len(losses) == 15 and losses[-1] < 0.5 * losses[0]
    assert not all(torch.equal(a, b) for a, b in zip(before, net.features.parameters(), strict=True))


def test_pretraining_reads_no_label_and_changes_the_model():
    spectra, labels = _spectra()
    scene, _ = _spectra(seed=5, per_class=200)
    kwargs = dict(in_bands=30, window=25, num_classes=4, epochs=0, pretrain_epochs=3, seed=2)
    one = SpectralCNN1D(**kwargs).fit(spectra, labels, scene=scene)
    other = SpectralCNN1D(**kwargs).fit(spectra, labels[::-1].copy(), scene=scene)  # other labels, same pixels
    np.testing.assert_array_equal(one.predict_proba(scene), other.predict_proba(scene))
    plain = SpectralCNN1D(**{**kwargs, "pretrain_epochs": 0}).fit(spectra, labels)
    assert not np.allclose(plain.predict_proba(scene), one.predict_proba(scene))
    assert "3 epochs of masked-band reconstruction on the scene's 800 unlabelled pixels" in one.chosen["schedule"]


def test_focal_loss_changes_training_and_says_so():
    spectra, labels = _spectra()
    plain = SpectralCNN1D(in_bands=30, window=25, num_classes=4, epochs=3, seed=3).fit(spectra, labels)
    focal = SpectralCNN1D(in_bands=30, window=25, num_classes=4, epochs=3, seed=3, focal_gamma=2).fit(spectra, labels)
    assert not np.allclose(plain.predict_proba(spectra), focal.predict_proba(spectra))
    assert "focal loss, gamma 2" in focal.chosen["schedule"]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"focal_gamma": -1}, "model.focal_gamma is -1; give an exponent from 0"),
        ({"pretrain_epochs": 2.5}, "model.pretrain_epochs is 2.5; give a whole number"),
    ],
)
def test_bad_settings_are_one_sentence(kwargs, message):
    with pytest.raises(UserError, match=message):
        SpectralCNN1D(in_bands=30, window=25, num_classes=4, **kwargs)


def test_a_run_pretrains_on_every_pixel_of_its_scene(tmp_path):
    result = train_on_synthetic_scene(
        tmp_path, "model=spectral_cnn1d", "model.epochs=2", "model.pretrain_epochs=1", "model.focal_gamma=2"
    )
    assert result.returncode == 0, result.stderr
    training = json.loads((tmp_path / "run" / "metrics.json").read_text())["protocol"]["training"]
    cube, _ = make_scene()
    pixels = cube.shape[0] * cube.shape[1]
    assert f"masked-band reconstruction on the scene's {pixels:,} unlabelled pixels" in training["schedule"]
    assert "focal loss, gamma 2" in training["schedule"]
