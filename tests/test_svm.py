"""The SVM baseline brings its own preprocessing: standardised raw spectra, all bands or unwhitened PCA."""

from __future__ import annotations

import numpy as np

from hsi.models import SpectralSVM


def _spectra(seed=0, n=240, bands=40):
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(3), n // 3)
    centres = rng.normal(0, 1, size=(3, bands))
    spectra = centres[labels] + rng.normal(0, 0.8, size=(n, bands))
    spectra[:, 5] *= 1000.0  # one band in other units: unscaled, it would swamp the kernel's distances
    return spectra, labels


def test_standardising_makes_the_svm_blind_to_band_units():
    spectra, labels = _spectra()
    train, test = np.arange(0, 240, 2), np.arange(1, 240, 2)
    rescaled = spectra * np.linspace(0.01, 100, spectra.shape[1])
    a = SpectralSVM(in_bands=30, window=25, num_classes=3, search=False).fit(spectra[train], labels[train])
    b = SpectralSVM(in_bands=30, window=25, num_classes=3, search=False).fit(rescaled[train], labels[train])
    np.testing.assert_array_equal(a.predict_proba(spectra[test]).argmax(1), b.predict_proba(rescaled[test]).argmax(1))
    assert (a.predict_proba(spectra[test]).argmax(1) == labels[test]).mean() > 0.9


def test_the_search_chooses_c_gamma_and_components_on_training_pixels_only():
    spectra, labels = _spectra()
    svm = SpectralSVM(in_bands=30, window=25, num_classes=4, seed=0).fit(spectra[:120], labels[:120])
    assert svm.chosen["C"] in SpectralSVM.C_GRID and svm.chosen["gamma_scale"] in SpectralSVM.GAMMA_SCALE_GRID
    assert svm.chosen["components"] in SpectralSVM.COMPONENTS_GRID and svm.chosen["bands"] == 40
    assert 0 < svm.chosen["cv_accuracy"] <= 1
    scores = svm.predict_proba(spectra[120:])
    assert scores.shape == (120, 4) and np.allclose(scores.sum(1), 1) and (scores[:, 3] == 0).all()


def test_a_saved_svm_predicts_exactly_as_the_fitted_one_through_a_weights_only_checkpoint(tmp_path):
    from hsi.train.checkpoint import load_checkpoint, save_checkpoint

    spectra, labels = _spectra()
    svm = SpectralSVM(in_bands=30, window=25, num_classes=3, search=False, components=10).fit(
        spectra[:120], labels[:120]
    )
    save_checkpoint(tmp_path / "c.pt", {"model_state": svm.state_dict()})
    restored = SpectralSVM(in_bands=30, window=25, num_classes=3)
    restored.load_state_dict(load_checkpoint(tmp_path / "c.pt")["model_state"])
    np.testing.assert_array_equal(restored.predict_proba(spectra[120:]), svm.predict_proba(spectra[120:]))
    assert restored.chosen == svm.chosen
