"""Fixed splits from mask files: a run's own split.npz, published .mat splits with their own keys."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.io

from hsi.errors import UserError
from hsi.splits import mask_split, stratified_fraction_split


def _gt():
    gt = np.zeros((20, 20), dtype=np.int64)
    gt[2:10, 2:18] = 1
    gt[11:19, 2:18] = 2
    return gt


def test_a_saved_split_round_trips(tmp_path):
    gt = _gt()
    split = stratified_fraction_split(gt, seed=5)
    np.savez(tmp_path / "split.npz", **{part: split.mask(part, gt.shape) for part in ("train", "val", "test")})
    path = str(tmp_path / "split.npz")
    again = mask_split(gt, seed=0, train_mask=path, test_mask=path, val_mask=path)
    for part in ("train", "val", "test"):
        np.testing.assert_array_equal(getattr(again, part), getattr(split, part))


def test_a_published_split_in_two_mat_files_with_their_own_keys_and_class_labels(tmp_path):
    gt = _gt()
    train = np.where((gt > 0) & (np.arange(20)[None, :] < 5), gt, 0)
    test = np.where((gt > 0) & (np.arange(20)[None, :] >= 8), gt, 0)
    scipy.io.savemat(tmp_path / "TRLabel.mat", {"TRLabel": train, "other": np.zeros(3)})
    scipy.io.savemat(tmp_path / "TSLabel.mat", {"TSLabel": test})
    split = mask_split(
        gt, 0, train_mask=str(tmp_path / "TRLabel.mat"), test_mask=str(tmp_path / "TSLabel.mat"), train_key="TRLabel"
    )  # the test file has one variable: no key needed
    assert len(split.train) == (train > 0).sum() and len(split.test) == (test > 0).sum() and len(split.val) == 0
    with pytest.raises(UserError, match=r"holds several variables \(TRLabel, other\).*split.train_key"):
        mask_split(gt, 0, train_mask=str(tmp_path / "TRLabel.mat"), test_mask=str(tmp_path / "TSLabel.mat"))


def test_mask_pixels_unlabelled_in_the_ground_truth_are_counted_not_used(tmp_path):
    gt = _gt()
    train = (gt == 1) | (gt == 2) & (np.arange(20)[:, None] < 13)
    train[0, :5] = True  # five pixels the ground truth leaves unlabelled
    np.save(tmp_path / "train.npy", train)
    np.save(tmp_path / "test.npy", (gt == 2) & (np.arange(20)[:, None] >= 13))
    split = mask_split(gt, 0, train_mask=str(tmp_path / "train.npy"), test_mask=str(tmp_path / "test.npy"))
    assert not (gt.ravel()[split.train] == 0).any()
    assert split.notes == ("5 pixels of the train mask are unlabelled in the ground truth and are not used",)


def test_labels_that_disagree_with_the_ground_truth_are_refused_unless_the_user_opts_in(tmp_path):
    gt = _gt()
    train = np.where(np.arange(20)[None, :] < 6, gt, 0)
    train[3, 3] = 2  # the ground truth says 1
    test = np.where(np.arange(20)[None, :] >= 9, gt, 0)
    np.save(tmp_path / "train.npy", train)
    np.save(tmp_path / "test.npy", test)
    paths = dict(train_mask=str(tmp_path / "train.npy"), test_mask=str(tmp_path / "test.npy"))
    with pytest.raises(UserError, match="1 pixels of the train mask carry another class label"):
        mask_split(gt, 0, **paths)
    dropped = mask_split(gt, 0, label_mismatch="drop", **paths)
    kept = mask_split(gt, 0, label_mismatch="ground_truth", **paths)
    assert 3 * 20 + 3 not in dropped.train and 3 * 20 + 3 in kept.train
    assert len(kept.train) == len(dropped.train) + 1


@pytest.mark.parametrize("missing", ["train", "test"])
def test_a_missing_mask_is_one_sentence(tmp_path, missing):
    gt = _gt()
    np.save(tmp_path / "m.npy", gt == 1)
    paths = {"train_mask": str(tmp_path / "m.npy"), "test_mask": str(tmp_path / "m.npy")}
    paths[f"{missing}_mask"] = None
    with pytest.raises(UserError, match=f"split=masks needs a {missing} mask: add split.{missing}_mask=FILE"):
        mask_split(gt, 0, **paths)


def test_unreadable_wrong_sized_overlapping_and_incomplete_masks(tmp_path):
    gt = _gt()
    (tmp_path / "broken.npy").write_bytes(b"not numpy")
    np.save(tmp_path / "small.npy", np.ones((5, 5)))
    np.save(tmp_path / "all.npy", np.ones(gt.shape))
    np.save(tmp_path / "one.npy", gt == 1)
    np.save(tmp_path / "two.npy", gt == 2)
    with pytest.raises(UserError, match="could not be read as a .npy array"):
        mask_split(gt, 0, str(tmp_path / "broken.npy"), str(tmp_path / "one.npy"))
    with pytest.raises(UserError, match="is 5x5 but the scene is 20x20"):
        mask_split(gt, 0, str(tmp_path / "small.npy"), str(tmp_path / "small.npy"))
    with pytest.raises(UserError, match="share labelled pixels"):
        mask_split(gt, 0, str(tmp_path / "all.npy"), str(tmp_path / "all.npy"))
    with pytest.raises(UserError, match="holds no pixel of class 2"):
        mask_split(gt, 0, str(tmp_path / "one.npy"), str(tmp_path / "two.npy"))
