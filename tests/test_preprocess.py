"""PCA fit scope, padding, and windows cut from the padded cube."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.decomposition import PCA
from synthetic import make_scene

from hsi.errors import UserError
from hsi.patches import PatchSampler
from hsi.preprocess import fit_pca, fit_pixels_mask, pad_cube
from hsi.splits import stratified_fraction_split


def test_transform_matches_sklearn():
    cube, gt = make_scene(bands=16)
    mask = np.ones_like(gt, dtype=bool)
    ours = fit_pca(cube, mask, 5, whiten=True).transform(cube)
    reference = PCA(5, whiten=True).fit_transform(cube.reshape(-1, 16).astype(np.float64))
    np.testing.assert_allclose(ours.reshape(-1, 5), reference, rtol=1e-4, atol=1e-4)


def test_train_scope_pca_ignores_test_pixels():
    cube, gt = make_scene(bands=16)
    split = stratified_fraction_split(gt, seed=0, train_fraction=0.2, val_fraction=0.1)
    train_mask = split.mask("train", gt.shape)
    changed = cube.copy()
    test_rows, test_cols = np.unravel_index(split.test, gt.shape)
    changed[test_rows, test_cols] = np.random.default_rng(1).integers(0, 60000, (len(split.test), 16))

    def components(scope, c):
        return fit_pca(c, fit_pixels_mask(gt, train_mask, scope), 4).components

    np.testing.assert_array_equal(components("train", cube), components("train", changed))
    # the reference scope does see them: the same change moves its components
    assert not np.allclose(np.abs(components("all", cube)), np.abs(components("all", changed)))


def test_too_many_components_is_a_user_error():
    cube, gt = make_scene(bands=10)
    with pytest.raises(UserError, match="n_components is 12 but the scene has 10 bands"):
        fit_pca(cube, gt > 0, 12)


@pytest.mark.parametrize("mode", ["zero", "reflect"])
def test_windows_equal_direct_slicing_of_the_padded_cube(mode):
    rng = np.random.default_rng(0)
    cube = rng.normal(size=(11, 13, 4)).astype(np.float32)
    window, margin = 7, 3
    padded = pad_cube(cube, margin, mode)
    assert padded.shape == (4, 17, 19)
    expected_pad = np.pad(cube, ((3, 3), (3, 3), (0, 0)), mode="constant" if mode == "zero" else "reflect")
    np.testing.assert_array_equal(padded.numpy(), expected_pad.transpose(2, 0, 1))
    sampler = PatchSampler(padded, window, scene_width=13)
    pixels = np.array([0, 12, 13 * 5 + 6, 11 * 13 - 1, 13 * 10])  # corners, centre, edges
    batch = sampler(pixels)
    assert batch.shape == (5, 1, 4, 7, 7)
    for i, p in enumerate(pixels):
        r, c = divmod(int(p), 13)
        direct = expected_pad[r : r + window, c : c + window, :].transpose(2, 0, 1)
        np.testing.assert_array_equal(batch[i, 0].numpy(), direct)
        # the window's centre is the pixel itself
        np.testing.assert_array_equal(batch[i, 0, :, 3, 3].numpy(), cube[r, c])


def test_sampler_does_not_copy_the_cube():
    padded = pad_cube(np.zeros((5, 5, 3), dtype=np.float32), 1)
    sampler = PatchSampler(padded, 3, scene_width=5)
    assert sampler._flat.data_ptr() == padded.data_ptr()


def test_even_window_is_refused():
    with pytest.raises(ValueError, match="odd"):
        PatchSampler(torch.zeros(1, 6, 6), 4, scene_width=2)
