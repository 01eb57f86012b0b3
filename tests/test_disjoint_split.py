"""The balanced spatially disjoint split, checked by brute force on scenes with known fields."""

from __future__ import annotations

import numpy as np
import pytest

import hsi.splits.disjoint as disjoint
from hsi.errors import UserError
from hsi.splits import (
    leakage_share,
    spatially_disjoint_split,
    stratified_fraction_split,
    window_overlap_share,
)
from hsi.splits import (
    testable_classes as classes_that_can_be_tested,
)

# The two-field scene with a narrow strip of a third class, split with a 9x9 window.
STRIP = dict(
    seed=0, train_fraction=0.2, block_size=8, window=9, min_val=2, min_test=3, class_names=["field", "meadow", "strip"]
)


def _fields(seed=0, size=64):
    """Four classes in irregular 8x8 fields, with unlabelled gaps, like a farm."""
    rng = np.random.default_rng(seed)
    gt = np.kron(rng.integers(0, 5, size=(size // 8, size // 8)), np.ones((8, 8), dtype=np.int64))
    gt[rng.random(gt.shape) < 0.1] = 0
    return gt


def _chebyshev_to_nearest(pixels, targets, shape):
    """For each flat pixel, the max(|dr|, |dc|) distance to the nearest target pixel (brute force)."""
    p = np.array(np.unravel_index(pixels, shape)).T[:, None, :]
    t = np.array(np.unravel_index(targets, shape)).T[None, :, :]
    return np.abs(p - t).max(-1).min(1)


@pytest.mark.parametrize("window", [5, 9])
def test_no_validation_or_test_pixel_lies_inside_a_training_window(window):
    gt = _fields()
    split = spatially_disjoint_split(gt, seed=0, train_fraction=0.2, block_size=8, window=window, min_val=2, min_test=4)
    for part in (split.val, split.test):
        assert (_chebyshev_to_nearest(part, split.train, gt.shape) > window // 2).all()
    assert leakage_share(split, gt.shape, window) == 0.0
    parts = [set(split.train), set(split.val), set(split.test), set(split.dropped)]
    assert sum(map(len, parts)) == len(set().union(*parts))  # pairwise disjoint
    assert set().union(*parts) <= set(np.flatnonzero(gt.ravel() > 0))


def test_blocks_go_wholly_to_one_part_and_every_class_meets_its_minimum():
    gt = _fields()
    split = spatially_disjoint_split(gt, seed=1, train_fraction=0.2, block_size=8, window=5, min_val=3, min_test=6)
    rows, cols = np.unravel_index(np.arange(gt.size), gt.shape)
    block = (rows // 8) * 8 + cols // 8
    for part_a, part_b in (("train", "val"), ("train", "test"), ("val", "test")):
        assert not set(block[getattr(split, part_a)]) & set(block[getattr(split, part_b)]), (part_a, part_b)
    counts = split.class_counts(gt, 4)
    assert split.untestable == ()
    assert min(counts["val"]) >= 3 and min(counts["test"]) >= 6 and min(counts["train"]) >= 1
    # the training share is whole blocks, near the asked fraction
    assert 0.1 <= len(split.train) / (gt > 0).sum() <= 0.35


def test_a_small_single_field_is_untestable_named_and_trains_on_all_its_pixels():
    gt = np.zeros((48, 48), dtype=np.int64)
    gt[:, :24] = 1
    gt[:, 24:] = 2
    gt[20:22, 30:35] = 3  # 10 pixels in a 2x5 strip: narrower than any 9x9 window's reach
    assert classes_that_can_be_tested(gt, block_size=8, window=9, min_val=2, min_test=3) == [1, 2]
    split = spatially_disjoint_split(gt, **STRIP)
    labels = gt.ravel()
    assert split.untestable == (3,)
    assert (labels[split.train] == 3).sum() == (gt == 3).sum()  # none of its pixels is lost
    assert not (labels[split.val] == 3).any() and not (labels[split.test] == 3).any()
    assert "strip cannot keep 2 validation and 3 test pixels" in split.notes[0]
    # the strip's windows are a buffer like any other: no other pixel inside them validates or tests
    for part in (split.val, split.test):
        assert (_chebyshev_to_nearest(part, split.train, gt.shape) > STRIP["window"] // 2).all()


def test_without_a_buffer_the_same_strip_can_be_tested():
    gt = np.zeros((48, 48), dtype=np.int64)
    gt[:, :24], gt[:, 24:] = 1, 2
    gt[20:22, 24:48] = 3  # a 2x24 strip over three 8x8 blocks
    assert 3 in classes_that_can_be_tested(gt, block_size=8, window=1, min_val=2, min_test=3)
    assert 3 not in classes_that_can_be_tested(gt, block_size=8, window=25, min_val=2, min_test=3)


def _field_whose_small_block_cannot_hold_its_training_share():
    """A 33-pixel field of class 3: one pixel in one block, then a 2x16 strip over two more blocks."""
    gt = np.zeros((48, 48), dtype=np.int64)
    gt[:, :24], gt[:, 24:] = 1, 2
    gt[23, 31] = 3
    gt[24:26, 32:48] = 3
    return gt


def test_a_class_is_testable_only_if_its_training_share_can_train_and_leave_enough():
    gt = _field_whose_small_block_cannot_hold_its_training_share()
    # one pixel trains: its window drops 8 strip pixels and leaves 8 + 16 in two blocks, enough
    assert 3 in classes_that_can_be_tested(gt, block_size=8, window=9, min_val=2, min_test=3)
    # a fifth of 33 is 7 pixels: any block holding them (or the lone pixel and its nearest block)
    # leaves at most one block of 8 and the lone pixel, which cannot part into 2 and 3
    assert 3 not in classes_that_can_be_tested(gt, block_size=8, window=9, min_val=2, min_test=3, train_fraction=0.2)


def test_a_class_whose_training_share_leaves_too_few_trains_whole_instead_of_stopping_the_split():
    gt = _field_whose_small_block_cannot_hold_its_training_share()
    split = spatially_disjoint_split(gt, **STRIP)  # train_fraction 0.2, 9x9 windows
    labels = gt.ravel()
    assert split.untestable == (3,)
    assert (labels[split.train] == 3).sum() == (gt == 3).sum()
    assert "strip cannot keep 2 validation and 3 test pixels" in split.notes[0]


@pytest.mark.parametrize("window", [9, 25])
def test_indian_pines_alfalfa_is_untestable_at_9x9_as_at_25x25(window, indian_pines_root):
    import scipy.io

    gt_file = indian_pines_root / "indian_pines" / "Indian_pines_gt.mat"
    gt = scipy.io.loadmat(gt_file)["indian_pines_gt"].astype(np.int64)
    split = spatially_disjoint_split(gt, seed=100, window=window)  # 9x9 once stopped on Alfalfa
    assert 1 in split.untestable
    assert (gt.ravel()[split.train] == 1).sum() == (gt == 1).sum()


def test_the_split_is_a_function_of_its_seed():
    gt = _fields()
    kwargs = dict(train_fraction=0.2, block_size=8, window=5, min_val=2, min_test=4)
    a, b = spatially_disjoint_split(gt, seed=3, **kwargs), spatially_disjoint_split(gt, seed=3, **kwargs)
    c = spatially_disjoint_split(gt, seed=4, **kwargs)
    np.testing.assert_array_equal(a.train, b.train)
    np.testing.assert_array_equal(a.test, b.test)
    assert not np.array_equal(a.train, c.train)


def _mean_pairwise_jaccard(masks):
    pairs = [(a, b) for i, a in enumerate(masks) for b in masks[i + 1 :]]
    return np.mean([len(set(a) & set(b)) / len(set(a) | set(b)) for a, b in pairs])


def test_seeds_draw_different_training_blocks_and_temperature_zero_draws_one_split():
    gt = _fields(size=96)
    kwargs = dict(train_fraction=0.1, block_size=8, window=5, min_val=2, min_test=4)
    drawn = [spatially_disjoint_split(gt, seed=s, **kwargs).train for s in range(5)]
    greedy = [spatially_disjoint_split(gt, seed=s, temperature=0, **kwargs).train for s in range(5)]
    assert _mean_pairwise_jaccard(greedy) == 1.0  # the best block every time: the seed changes nothing
    assert _mean_pairwise_jaccard(drawn) < 0.5


def test_a_negative_temperature_is_refused():
    with pytest.raises(UserError, match="split.temperature is -1"):
        spatially_disjoint_split(_fields(), seed=0, block_size=8, window=5, temperature=-1)


def test_a_testable_class_the_search_cannot_serve_stops_the_run_by_name(monkeypatch):
    gt = np.zeros((48, 48), dtype=np.int64)
    gt[:, :24], gt[:, 24:] = 1, 2
    gt[20:22, 30:35] = 3
    # pretend the strip were testable: no assignment can give it test pixels, so the split must refuse
    monkeypatch.setattr(disjoint, "testable_classes", lambda *args, **kwargs: [1, 2, 3])
    with pytest.raises(UserError, match=r"gives strip at least 2 validation and 3 test pixels"):
        spatially_disjoint_split(gt, **STRIP)


def test_a_single_pixel_class_is_refused():
    gt = _fields()
    gt[gt == 4] = 1
    gt[0, 0] = 4
    with pytest.raises(UserError, match="single labelled pixel"):
        spatially_disjoint_split(gt, seed=0, block_size=8, window=5)


def test_random_split_leaks_and_the_shares_match_brute_force():
    gt = _fields()
    split = stratified_fraction_split(gt, seed=0, train_fraction=0.1, val_fraction=0.0)
    distance = _chebyshev_to_nearest(split.test, split.train, gt.shape)
    assert leakage_share(split, gt.shape, 7) == pytest.approx((distance <= 3).mean())
    # two 7x7 windows overlap when their centres are at most 6 apart
    assert window_overlap_share(split, gt.shape, 7) == pytest.approx((distance <= 6).mean())
    assert leakage_share(split, gt.shape, 7) > 0.5
