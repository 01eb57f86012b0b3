"""The 1-D spectral CNN baseline (Hu et al. 2015): the paper's layer sizes, training, and its saved form."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hsi.errors import UserError
from hsi.models.spectral_cnn import HuSpectralNet, SpectralCNN1D, augment_spectra


def test_the_layer_sizes_and_parameter_count_are_the_papers_for_indian_pines():
    # Hu et al. (2015), Table 2, Indian Pines: 220 bands, kernels of 24, 197 outputs, pooling of 5 to 40,
    # 100 hidden units, 8 classes: 81,408 trainable parameters.
    net = HuSpectralNet(bands=220, num_classes=8)
    conv, pool = net.features[0], net.features[2]
    assert conv.out_channels == 20 and conv.kernel_size == (24,) and pool.kernel_size == 5
    assert net(torch.zeros(2, 220)).shape == (2, 8)
    assert net.head[1].in_features == 20 * 40
    assert sum(p.numel() for p in net.parameters()) == 81_408
    # Pavia University: 103 bands, kernels of 11, pooling of 3 (93 outputs pooled to 31)
    small = HuSpectralNet(bands=103, num_classes=9)
    assert small.features[0].kernel_size == (11,) and small.features[2].kernel_size == 3
    assert small.head[1].in_features == 20 * 31


def _spectra(seed=0, per_class=30, bands=60, classes=4):
    shapes = np.random.default_rng(42).normal(size=(classes, bands)).cumsum(1)  # smooth, distinct spectra
    rng = np.random.default_rng(seed)  # the noise of each draw
    labels = np.repeat(np.arange(classes), per_class)
    return 1000 + 50 * shapes[labels] + rng.normal(scale=20, size=(len(labels), bands)), labels


def test_it_learns_separable_spectra_whatever_their_scale_and_is_fixed_by_its_seed():
    spectra, labels = _spectra()
    model = SpectralCNN1D(in_bands=30, window=25, num_classes=4, epochs=30, seed=3).fit(spectra, labels)
    proba = model.predict_proba(spectra)
    assert proba.shape == (len(labels), 4)
    np.testing.assert_allclose(proba.sum(1), 1, rtol=1e-5)
    test, test_labels = _spectra(seed=1)
    assert (model.predict_proba(test).argmax(1) == test_labels).mean() > 0.9
    again = SpectralCNN1D(in_bands=30, window=25, num_classes=4, epochs=30, seed=3).fit(spectra, labels)
    np.testing.assert_array_equal(again.predict_proba(test), model.predict_proba(test))


def test_its_saved_state_predicts_the_same():
    spectra, labels = _spectra()
    model = SpectralCNN1D(in_bands=30, window=25, num_classes=4, epochs=5).fit(spectra, labels)
    state = model.state_dict()
    assert all(isinstance(v, torch.Tensor) for k, v in state.items() if k in ("mean", "scale"))
    restored = SpectralCNN1D(in_bands=30, window=25, num_classes=4)
    restored.load_state_dict(state)
    np.testing.assert_array_equal(restored.predict_proba(spectra), model.predict_proba(spectra))
    assert restored.num_parameters() == model.num_parameters()


def test_brightness_scales_each_spectrum_by_one_factor_within_its_spread():
    spectra, labels = _spectra()
    pool, targets = torch.tensor(spectra, dtype=torch.float32), torch.tensor(labels)
    batch = torch.arange(0, 120, 7)
    out = augment_spectra(pool, targets, batch, torch.Generator().manual_seed(0), brightness=0.2, mix=False)
    ratio = out / pool[batch]
    np.testing.assert_allclose(ratio, ratio[:, :1].expand_as(ratio), rtol=1e-5)  # one factor a spectrum
    assert ((ratio[:, 0] >= 0.8) & (ratio[:, 0] <= 1.2)).all() and ratio[:, 0].std() > 0.05


def test_mixing_stays_between_a_spectrum_and_one_of_its_own_class():
    spectra, labels = _spectra(per_class=5)
    pool, targets = torch.tensor(spectra, dtype=torch.float64), torch.tensor(labels)
    batch = torch.arange(len(labels))
    out = augment_spectra(pool, targets, batch, torch.Generator().manual_seed(1), brightness=0.0, mix=True)
    moved = 0
    for row, k in enumerate(labels):  # brute force: some weight w and same-class partner j give the row
        fits = []
        for j in np.flatnonzero(labels == k):
            direction = pool[row] - pool[j]
            if direction.norm() == 0:
                fits.append(torch.allclose(out[row], pool[row]))
                continue
            w = float((out[row] - pool[j]) @ direction / (direction @ direction))
            fits.append(0 <= w <= 1 and torch.allclose(out[row], pool[j] + w * direction, atol=1e-6))
        assert any(fits), row
        moved += not torch.allclose(out[row], pool[row])
    assert moved > len(labels) // 2  # it changes the batch


def test_augmentation_changes_training_and_is_fixed_by_the_seed():
    spectra, labels = _spectra()
    plain = SpectralCNN1D(in_bands=30, window=25, num_classes=4, epochs=3, seed=3).fit(spectra, labels)
    kwargs = dict(in_bands=30, window=25, num_classes=4, epochs=3, seed=3, brightness=0.3, mix=True)
    augmented, again = SpectralCNN1D(**kwargs).fit(spectra, labels), SpectralCNN1D(**kwargs).fit(spectra, labels)
    assert not np.allclose(plain.predict_proba(spectra), augmented.predict_proba(spectra))
    np.testing.assert_array_equal(augmented.predict_proba(spectra), again.predict_proba(spectra))
    assert "scaled by up to 0.3" in augmented.chosen["schedule"] and "own class" in augmented.chosen["schedule"]


@pytest.mark.parametrize(
    "kwargs, message",
    [({"brightness": 1.0}, "model.brightness is 1.0"), ({"mix": "yes"}, "model.mix is 'yes'; it must be true or")],
)
def test_bad_augmentation_settings_are_one_sentence(kwargs, message):
    with pytest.raises(UserError, match=message):
        SpectralCNN1D(in_bands=30, window=25, num_classes=4, **kwargs)
