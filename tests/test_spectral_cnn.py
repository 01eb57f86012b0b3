"""The 1-D spectral CNN baseline (Hu et al. 2015): the paper's layer sizes, training, and its saved form."""

from __future__ import annotations

import numpy as np
import torch

from hsi.models.spectral_cnn import HuSpectralNet, SpectralCNN1D


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
