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
    split = field_split(gt, seed=seed, train_fraction=0.1, min_test=5, window=5, class_names=NAMES)
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
