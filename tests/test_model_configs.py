"""Every model config builds from the real configs, runs forward and backward, and classifies."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hydra import compose, initialize_config_module
from hydra.utils import instantiate

from hsi.models.card import model_card, model_config_names, network_config_names

NAMES = model_config_names()


def _build(name: str, bands=15, window=11, classes=5):
    with initialize_config_module("hsi.configs", version_base="1.3"):
        cfg = compose("train", overrides=[f"model={name}"])
    return instantiate(cfg.model, in_bands=bands, window=window, num_classes=classes)


def test_the_issue_model_configs_exist():
    assert set(NAMES) >= {
        "hybridsn",
        "hybridsn_se",
        "hybridsn_cbam",
        "hybridsn_gconv",
        "hybridsn_dw",
        "hybridsn_lite",
        "svm",
    }


@pytest.mark.parametrize("name", network_config_names())
def test_model_config_runs_forward_and_backward(name):
    torch.manual_seed(0)
    model = _build(name)
    x = torch.randn(4, 1, 15, 11, 11)
    out = model(x)
    assert out.shape == (4, 5)
    out.logsumexp(1).sum().backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())


def test_svm_config_fits_and_predicts_probabilities():
    svm = _build("svm")
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(5, 15)) * 5
    labels = np.repeat(np.arange(5), 12)
    spectra = centres[labels] + rng.normal(size=(60, 15))
    proba = svm.fit(spectra, labels).predict_proba(spectra)
    assert proba.shape == (60, 5)
    np.testing.assert_allclose(proba.sum(1), 1, rtol=1e-5)
    assert (proba.argmax(1) == labels).mean() > 0.9


def test_variants_change_what_they_claim():
    base = _build("hybridsn", 30, 25, 16)
    lite = _build("hybridsn_lite", 30, 25, 16)
    assert any(isinstance(m, torch.nn.Hardswish) for m in lite.modules())
    assert any(isinstance(m, torch.nn.Hardsigmoid) for m in lite.modules())
    assert isinstance(lite.pool, torch.nn.AdaptiveAvgPool2d) and lite.fc1.in_features == 64
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert count(lite) < count(base) / 20


def test_model_card_lists_every_config_with_the_paper_count_for_hybridsn():
    rows = {r["model"]: r for r in model_card(30, 25, 16)}
    assert set(rows) == set(NAMES)
    assert rows["hybridsn"]["parameters"] == 5_122_176
    assert rows["hybridsn_dw"]["macs"] < rows["hybridsn"]["macs"]
    assert rows["svm"]["parameters"] is None


def test_svm_scores_agree_with_its_predictions_even_with_two_pixel_classes():
    svm = _build("svm")
    rng = np.random.default_rng(1)
    labels = np.array([0] * 2 + [1] * 20 + [2] * 20)
    spectra = rng.normal(size=(42, 15)) + labels[:, None] * 3
    svm.fit(spectra, labels)
    test = rng.normal(size=(30, 15)) + rng.integers(0, 3, 30)[:, None] * 3
    np.testing.assert_array_equal(svm.predict_proba(test)[:, :3].argmax(1), svm.classifier.predict(test))
