"""Leave fields out (split=fields), checked on hand-made scenes whose fields are known."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from hsi.errors import UserError
from hsi.splits import field_split
from hsi.splits.fields import field_index, field_record

NAMES = ["three", "two", "one"]


def _farm():
    """Class 1 in three separate fields, class 2 in two, class 3 in one; unlabelled lanes between them."""
    gt = np.zeros((40, 60), dtype=np.int64)
    gt[2:12, 2:18] = 1
    gt[2:12, 42:58] = 1
    gt[28:38, 22:38] = 1
    gt[28:38, 2:18] = 2
    gt[28:38, 42:58] = 2
    gt[16:24, 26:34] = 3
    return gt


def _chebyshev_to_nearest(pixels, targets, shape):
    p = np.array(np.unravel_index(pixels, shape)).T[:, None, :]
    t = np.array(np.unravel_index(targets, shape)).T[None, :, :]
    return np.abs(p - t).max(-1).min(1)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_each_class_trains_validates_and_tests_on_different_fields(seed):
    gt = _farm()
    split = field_split(
        gt, seed=seed, train_fraction=0.1, min_test=5, window=5, class_names=NAMES, partial_validation=True
    )
    fields, labels = field_index(gt).ravel(), gt.ravel()
    training_fields = set(fields[split.train])
    assert not training_fields & set(fields[split.val]) and not training_fields & set(fields[split.test])
    assert not set(fields[split.val]) & set(fields[split.test])
    for part in (split.val, split.test):  # the buffer: no window of a training pixel reaches them
        assert (_chebyshev_to_nearest(part, split.train, gt.shape) > 2).all()
    # three fields: one trains, one validates, one tests; two fields: one trains, one tests, none validates
    assert [len(set(fields[p[labels[p] == 1]])) for p in (split.train, split.val, split.test)] == [1, 1, 1]
    assert [len(set(fields[p[labels[p] == 2]])) for p in (split.train, split.val, split.test)] == [1, 0, 1]
    # the training share is taken from the training field: about 10% of the class, not the whole field
    assert (labels[split.train] == 1).sum() == round(0.1 * (gt == 1).sum())
    # the single field trains whole and is reported untested
    assert split.untestable == (3,)
    assert (labels[split.train] == 3).sum() == (gt == 3).sum()
    assert any("one: one field, so trained on all its pixels and not tested" in note for note in split.notes)
    assert any("two: two fields (one trains, one tests), so not validated" in note for note in split.notes)
    assert field_record(gt, split, 3)["test_pixels_in_training_fields"] == 0.0


def test_validation_that_misses_a_tested_class_tests_instead_of_being_withheld():
    gt = _farm()
    kept = field_split(gt, seed=0, min_test=5, window=5, class_names=NAMES, partial_validation=True)
    split = field_split(gt, seed=0, min_test=5, window=5, class_names=NAMES)
    assert len(kept.val) > 0 and len(split.val) == 0  # class 2 (two fields) cannot validate
    np.testing.assert_array_equal(split.train, kept.train)
    np.testing.assert_array_equal(split.test, np.union1d(kept.test, kept.val))  # nothing withheld for nothing
    assert any("validation fields of three test instead" in note for note in split.notes)
    # where every tested class can validate, validation stays
    only_three = np.where(gt == 2, 0, gt)
    validated = field_split(only_three, seed=0, min_test=5, window=5)
    assert len(validated.val) > 0 and set(only_three.ravel()[validated.val]) == {1}


def test_the_seed_draws_each_class_s_training_field():
    gt = _farm()
    fields, labels = field_index(gt).ravel(), gt.ravel()
    per_seed = [field_split(gt, seed=s, min_test=5, window=5) for s in range(10)]
    for k, count in ((1, 3), (2, 2)):
        trained = [tuple(np.unique(fields[s.train[labels[s.train] == k]])) for s in per_seed]
        assert len(set(trained)) == count, (k, trained)  # every field of the class trains in some seed


def test_a_class_takes_an_order_of_its_fields_that_keeps_the_classes_before_it_tested():
    gt = _farm()
    gt[14:26, 19:21] = 4  # a thin strip beside class 3: most windows around it reach class 3's field
    gt[14:26, 40:42] = 4
    for seed in range(6):
        split = field_split(gt, seed=seed, min_test=5, window=9)
        assert split.untestable == (3,)  # the single field trains whole; classes 1, 2 and 4 stay tested
        tested = set(gt.ravel()[split.test])
        assert tested == {1, 2, 4}, (seed, tested)


def test_on_indian_pines_every_class_with_three_or_more_fields_trains_from_two_fields_over_five_seeds():
    from conftest import shared_data_dir

    from hsi.data.mat import load_mat_array

    path = shared_data_dir() / "indian_pines" / "Indian_pines_gt.mat"
    if not path.is_file():
        pytest.skip(f"the Indian Pines ground truth is not at {path} (set HSI_TEST_DATA)")
    indian_pines_gt = load_mat_array(path, "indian_pines_gt")
    fields, labels = field_index(indian_pines_gt).ravel(), indian_pines_gt.ravel()
    for window in (25, 11):
        splits = [field_split(indian_pines_gt, seed=s, window=window) for s in range(5)]
        assert [len(s.untestable) for s in splits] == [7] * 5  # the seven one-field classes, and only they
        for k in range(1, 17):
            if len(np.unique(fields[labels == k])) >= 3:
                trained = {tuple(np.unique(fields[s.train[labels[s.train] == k]])) for s in splits}
                assert len(trained) >= 2, (window, k, trained)


def test_seeds_give_different_field_assignments_and_the_seed_fixes_the_split():
    gt = _farm()
    splits = [field_split(gt, seed=s, min_test=5, window=5) for s in range(8)]
    fields = field_index(gt).ravel()
    assignments = {tuple(sorted(set(fields[s.train]))) for s in splits}
    assert len(assignments) > 2
    again = field_split(gt, seed=3, min_test=5, window=5)
    np.testing.assert_array_equal(again.train, splits[3].train)
    np.testing.assert_array_equal(again.test, splits[3].test)
    overlaps = [
        len(np.intersect1d(a.train, b.train)) / len(np.union1d(a.train, b.train))
        for a, b in itertools.combinations(splits, 2)
    ]
    assert np.mean(overlaps) < 0.9


def test_a_class_the_buffer_leaves_without_test_pixels_trains_whole():
    gt = _farm()
    # class 2 shrinks to two 2x2 fields within reach of the single field's windows, which train whole
    gt[gt == 2] = 0
    gt[25:27, 20:22] = 2
    gt[25:27, 38:40] = 2
    split = field_split(gt, seed=0, min_test=5, window=21, class_names=NAMES)
    labels = gt.ravel()
    assert 2 in split.untestable
    assert (labels[split.train] == 2).sum() == (gt == 2).sum()
    assert not (labels[split.test] == 2).any()
    assert any("too few test pixels left outside the 21x21 training windows" in note for note in split.notes)


def test_a_parcel_raster_defines_the_fields(tmp_path):
    gt = np.zeros((20, 40), dtype=np.int64)
    gt[2:18, 2:38] = 1  # one connected region: no split of its own
    parcels = np.zeros_like(gt)
    parcels[:, :20], parcels[:, 20:] = 7, 9  # two parcels cut it in two fields
    path = tmp_path / "parcels.npy"
    np.save(path, parcels)
    with pytest.raises(UserError, match="give the fields as a parcel raster"):
        field_split(gt, seed=0, min_test=5, window=3)  # one 8-connected field: nothing to test
    split = field_split(gt, seed=0, min_test=5, window=3, field_mask=str(path))
    assert split.untestable == ()
    columns = np.unravel_index(split.train, gt.shape)[1], np.unravel_index(split.test, gt.shape)[1]
    assert (columns[0] < 20).all() != (columns[1] < 20).all()  # train and test lie in different parcels


def test_a_parcel_raster_that_leaves_labelled_pixels_out_is_refused(tmp_path):
    gt = _farm()
    parcels = (gt > 0).astype(np.int64)
    parcels[2, 2] = 0
    path = tmp_path / "parcels.npy"
    np.save(path, parcels)
    with pytest.raises(UserError, match="leaves 1 labelled pixels outside every field"):
        field_split(gt, seed=0, window=5, field_mask=str(path))
