"""Spatially disjoint splits, fixed mask splits, and the leakage measure, checked by brute force."""

from __future__ import annotations

import numpy as np
import pytest

from hsi.errors import UserError
from hsi.splits import leakage_share, mask_split, spatially_disjoint_split, stratified_fraction_split


def _gt(seed=0, size=60):
    """Four classes in irregular patches, like fields."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 5, size=(size // 6, size // 6))
    gt = np.kron(coarse, np.ones((6, 6), dtype=np.int64))
    gt[rng.random(gt.shape) < 0.1] = 0
    return gt


def _brute_force_test_pixels_in_training_windows(split, shape, window):
    m = window // 2
    train_rc = np.array(np.unravel_index(split.train, shape)).T
    hits = 0
    for p in split.test:
        r, c = np.unravel_index(p, shape)
        if np.any((np.abs(train_rc[:, 0] - r) <= m) & (np.abs(train_rc[:, 1] - c) <= m)):
            hits += 1
    return hits


def test_disjoint_split_leaves_no_test_pixel_inside_any_training_window():
    gt = _gt()
    split = spatially_disjoint_split(gt, seed=0, train_fraction=0.2, val_fraction=0.05, block_size=12, window=7)
    assert _brute_force_test_pixels_in_training_windows(split, gt.shape, 7) == 0
    assert leakage_share(split, gt.shape, 7) == 0.0
    # every class trains and tests
    for k in range(1, 5):
        assert (gt.ravel()[split.train] == k).any() and (gt.ravel()[split.test] == k).any()
    assert not set(split.train) & set(split.test) and not set(split.val) & set(split.test)


def test_random_split_leaks_and_the_share_matches_brute_force():
    gt = _gt()
    split = stratified_fraction_split(gt, seed=0, train_fraction=0.1, val_fraction=0.0)
    share = leakage_share(split, gt.shape, 7)
    assert share == pytest.approx(_brute_force_test_pixels_in_training_windows(split, gt.shape, 7) / len(split.test))
    assert share > 0.5


def test_disjoint_split_is_reproducible_by_seed():
    gt = _gt()
    a = spatially_disjoint_split(gt, seed=3, block_size=12, window=5)
    b = spatially_disjoint_split(gt, seed=3, block_size=12, window=5)
    c = spatially_disjoint_split(gt, seed=4, block_size=12, window=5)
    np.testing.assert_array_equal(a.train, b.train)
    np.testing.assert_array_equal(a.test, b.test)
    assert not np.array_equal(a.train, c.train)


def test_a_class_in_a_single_block_is_cut_contiguously():
    gt = _gt()
    gt[gt == 4] = 1
    gt[1:4, 1:5] = 4  # class 4 now lives in one 12x12 block: 12 pixels in a 3x4 patch
    split = spatially_disjoint_split(gt, seed=0, train_fraction=0.3, val_fraction=0.0, block_size=12, window=1)
    train_rc = np.array(np.unravel_index(split.train[gt.ravel()[split.train] == 4], gt.shape))
    test_rc = np.array(np.unravel_index(split.test[gt.ravel()[split.test] == 4], gt.shape))
    assert train_rc.shape[1] >= 1 and test_rc.shape[1] >= 1
    # cut along the longer side (columns): the training part lies on one side of the test part
    assert train_rc[1].min() >= test_rc[1].max() or train_rc[1].max() <= test_rc[1].min()


def test_a_class_too_small_to_test_honestly_trains_but_is_not_tested(caplog):
    gt = np.zeros((40, 40), dtype=np.int64)
    gt[:, :20] = 1
    gt[10:30, 20:22] = 2  # a thin strip: every pixel sits within 12 of the strip's training pixels
    split = spatially_disjoint_split(gt, seed=0, train_fraction=0.3, val_fraction=0.0, block_size=4, window=25,
                                     class_names=["field", "strip"])
    assert (gt.ravel()[split.train] == 2).any() and not (gt.ravel()[split.test] == 2).any()
    assert "no test pixel of" in caplog.text and "strip" in caplog.text
    assert _brute_force_test_pixels_in_training_windows(split, gt.shape, 25) == 0


def test_a_single_pixel_class_is_refused():
    gt = _gt()
    gt[gt == 4] = 1
    gt[0, 0] = 4
    with pytest.raises(UserError, match="single labelled pixel"):
        spatially_disjoint_split(gt, seed=0, block_size=12, window=5)


def test_mask_split_round_trips_a_saved_split(tmp_path):
    gt = _gt()
    split = stratified_fraction_split(gt, seed=5)
    masks = {part: split.mask(part, gt.shape) for part in ("train", "val", "test")}
    np.savez(tmp_path / "split.npz", **masks)
    path = str(tmp_path / "split.npz")
    again = mask_split(gt, seed=0, train_mask=path, test_mask=path, val_mask=path)
    for part in ("train", "val", "test"):
        np.testing.assert_array_equal(getattr(again, part), getattr(split, part))


def test_mask_split_errors(tmp_path):
    gt = _gt()
    np.save(tmp_path / "small.npy", np.ones((5, 5)))
    with pytest.raises(UserError, match="is 5x5 but the scene is 60x60"):
        mask_split(gt, 0, str(tmp_path / "small.npy"), str(tmp_path / "small.npy"))
    np.save(tmp_path / "all.npy", np.ones(gt.shape))
    with pytest.raises(UserError, match="share labelled pixels"):
        mask_split(gt, 0, str(tmp_path / "all.npy"), str(tmp_path / "all.npy"))
    only_one = np.zeros(gt.shape)
    only_one[gt == 1] = 1
    np.save(tmp_path / "one.npy", only_one)
    np.save(tmp_path / "rest.npy", (gt > 1).astype(int))
    with pytest.raises(UserError, match="holds no pixel of class 2"):
        mask_split(gt, 0, str(tmp_path / "one.npy"), str(tmp_path / "rest.npy"))
