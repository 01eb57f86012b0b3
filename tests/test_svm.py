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


def test_region_folds_keep_every_region_of_training_pixels_in_one_fold():
    spectra, labels = _spectra()
    regions = np.arange(len(labels)) // 10  # 24 regions of 10 pixels, each of one class
    svm = SpectralSVM(in_bands=30, window=25, num_classes=3, cv_folds="regions")
    folds = svm.folds(labels, regions)
    assert len(folds) == 3
    for train, test in folds:
        assert not set(regions[train]) & set(regions[test])  # no region on both sides of a fold
        assert set(labels[test]) == {0, 1, 2}  # still stratified: every class in every test fold
    random = SpectralSVM(in_bands=30, window=25, num_classes=3).folds(labels, None)
    split_regions = [len(set(regions[test]) & set(regions[train])) for train, test in random]
    assert max(split_regions) > 0  # random folds do cut regions: the two differ
    svm.fit(spectra, labels, regions=regions)
    assert svm.chosen["cv_folds"] == "regions" and svm.chosen["C"] in SpectralSVM.C_GRID


def test_training_regions_are_the_connected_training_pixels_of_each_class():
    from hsi.classifiers.spectra import training_regions

    labels = np.zeros(6 * 6, dtype=np.int64)  # zero-based classes on a 6x6 scene
    labels[[0, 1, 7]] = 0  # one diagonal-connected region of class 0 at the top left
    labels[[4, 5]] = 1  # a region of class 1 at the top right
    labels[[30, 35]] = 1  # two single pixels of class 1 at the bottom corners
    train = np.array([0, 1, 7, 4, 5, 30, 35])
    regions = training_regions(labels, train, (6, 6))
    assert regions[0] == regions[1] == regions[2]
    assert regions[3] == regions[4]
    assert len({regions[0], regions[3], regions[5], regions[6]}) == 4


def test_a_classifier_of_spectra_gives_the_regions_to_a_model_that_wants_them():
    from types import SimpleNamespace

    from hsi.classifiers.spectra import SpectraClassifier, training_regions
    from hsi.splits import Split

    class Spy:
        wants_raw_spectra, wants_training_regions = True, True

        def fit(self, spectra, labels, **kwargs):
            self.seen = kwargs

    labels = np.arange(16) % 2
    train = np.array([0, 2, 5, 9, 15])
    inputs = SimpleNamespace(raw=np.zeros((4, 4, 3)), shape=(4, 4))
    spy = Spy()
    SpectraClassifier(spy).fit(inputs, labels, Split(train, np.empty(0, int), np.arange(16)), seed=0)
    np.testing.assert_array_equal(spy.seen["regions"], training_regions(labels, train, (4, 4)))


def test_block_folds_part_a_class_that_trains_from_one_region():
    from hsi.classifiers.spectra import training_regions

    labels = np.full(24 * 24, -1)
    train = np.flatnonzero(np.arange(24 * 24) // 24 < 4)  # rows 0-3: one 4x24 region of class 0
    labels[train] = 0
    second = np.flatnonzero(np.arange(24 * 24) // 24 >= 20)  # rows 20-23: one region of class 1
    labels[second] = 1
    train = np.concatenate([train, second])
    regions = training_regions(labels, train, (24, 24))
    assert len(np.unique(regions)) == 2  # one region a class: region folds cannot part either
    pieces = training_regions(labels, train, (24, 24), block=8)
    # an independent count: each region crosses three 8-pixel columns of blocks
    rows, cols = np.divmod(train, 24)
    expected = {(labels[p], r // 8, c // 8) for p, r, c in zip(train, rows, cols, strict=True)}
    assert len(np.unique(pieces)) == len(expected) == 6
    for piece in np.unique(pieces):  # a piece is one class in one block
        members = train[pieces == piece]
        assert len({(labels[p], (p // 24) // 8, (p % 24) // 8) for p in members}) == 1
    svm = SpectralSVM(in_bands=30, window=25, num_classes=2, cv_folds="blocks")
    assert svm.region_block == 8 and svm.wants_training_regions
    for fold_train, fold_test in svm.folds(labels[train], pieces):
        assert set(labels[train][fold_train]) == {0, 1}  # every fold trains on both classes
        assert not set(pieces[fold_train]) & set(pieces[fold_test])
