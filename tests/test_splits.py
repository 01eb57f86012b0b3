"""Stratified splits: disjoint, stratified, reproducible, and plain errors for small classes."""

from __future__ import annotations

import numpy as np
import pytest

from hsi.errors import UserError
from hsi.splits import Split, per_class_count_split, stratified_fraction_split


def _gt():
    rng = np.random.default_rng(3)
    gt = np.zeros((40, 40), dtype=np.int64)
    labels = np.repeat(np.arange(1, 5), [400, 200, 100, 30])
    positions = rng.choice(1600, size=len(labels), replace=False)
    gt.ravel()[positions] = labels
    return gt


def test_fraction_split_is_disjoint_complete_and_stratified():
    gt = _gt()
    split = stratified_fraction_split(gt, seed=0, train_fraction=0.1, val_fraction=0.05)
    sets = [set(split.train), set(split.val), set(split.test)]
    assert not (sets[0] & sets[1] or sets[0] & sets[2] or sets[1] & sets[2])
    assert set().union(*sets) == set(np.flatnonzero(gt.ravel() > 0))
    train_labels = gt.ravel()[split.train]
    for k, n in zip(range(1, 5), [400, 200, 100, 30], strict=True):
        assert (train_labels == k).sum() == round(0.1 * n)
        assert (gt.ravel()[split.val] == k).sum() == round(0.05 * n)


def test_split_is_reproducible_by_seed():
    gt = _gt()
    a = stratified_fraction_split(gt, seed=7)
    b = stratified_fraction_split(gt, seed=7)
    c = stratified_fraction_split(gt, seed=8)
    np.testing.assert_array_equal(a.train, b.train)
    np.testing.assert_array_equal(a.test, b.test)
    assert not np.array_equal(a.train, c.train)


def test_per_class_split_takes_n_of_each_class():
    gt = _gt()
    split = per_class_count_split(gt, seed=0, train_per_class=10, val_fraction=0.0)
    counts = np.bincount(gt.ravel()[split.train], minlength=5)[1:]
    assert counts.tolist() == [10, 10, 10, 10]
    assert len(split.val) == 0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"train_fraction": 0.0}, "strictly between 0 and 1"),
        ({"train_fraction": 1.2}, "strictly between 0 and 1"),
        ({"train_fraction": 0.6, "val_fraction": 0.5}, "leaves no test pixels"),
        ({"val_fraction": -0.1}, r"must lie in \[0, 1\)"),
        ({"train_fraction": 0.9, "val_fraction": 0.09}, r"Class 4 \(Oats\) has only 30 labelled pixels"),
    ],
)
def test_bad_fractions_are_plain_errors(kwargs, message):
    with pytest.raises(UserError, match=message):
        stratified_fraction_split(_gt(), seed=0, class_names=["A", "B", "C", "Oats"], **kwargs)


def test_a_class_smaller_than_the_per_class_count_is_named():
    with pytest.raises(UserError, match="Class 4 .* has only 30 labelled pixels"):
        per_class_count_split(_gt(), seed=0, train_per_class=30)


def test_fields_are_8_connected_regions_of_one_class_and_a_run_counts_them_per_part():
    from hsi.splits.fields import field_index, field_record

    gt = np.array([[1, 1, 0, 2], [0, 0, 0, 2], [1, 0, 2, 0]])
    fields = field_index(gt)
    assert fields[0, 0] == fields[0, 1] != fields[2, 0]  # class 1: two fields
    assert fields[0, 3] == fields[1, 3] == fields[2, 2]  # class 2: one field, joined through a corner
    assert len(np.unique(fields[gt > 0])) == 3
    flat = lambda r, c: r * 4 + c  # noqa: E731
    split = Split(np.array([flat(0, 0)]), np.array([flat(2, 2)]), np.array([flat(0, 1), flat(2, 0), flat(0, 3)]))
    record = field_record(gt, split, num_classes=2)
    assert record["fields_per_class"] == {"train": [1, 0], "val": [0, 1], "test": [2, 1], "all": [2, 1]}
    assert record["test_pixels_in_training_fields"] == pytest.approx(1 / 3)  # (0, 1) shares the training field
