"""Which epoch a run keeps: best validation AA, ties to the later epoch, the last one when validation cannot judge."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from hsi.patches import PatchSampler
from hsi.preprocess import pad_cube
from hsi.splits import Split
from hsi.train import Trainer


class _Tiny(nn.Module):
    def __init__(self, bands=3, window=3, classes=2):
        super().__init__()
        self.linear = nn.Linear(bands * window * window, classes)

    def forward(self, x):
        return self.linear(x.flatten(1))


def _scene(n_val=6):
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1], 50)
    cube = (rng.normal(size=(10, 10, 3)) + labels.reshape(10, 10, 1)).astype(np.float32)
    sampler = PatchSampler(pad_cube(cube, 1), 3, 10)
    order = rng.permutation(100)
    half = [order[np.flatnonzero(labels[order] == k)] for k in (0, 1)]
    split = Split(
        np.sort(np.r_[half[0][:20], half[1][:20]]),
        np.sort(np.r_[half[0][20 : 20 + n_val], half[1][20 : 20 + n_val]]),
        np.sort(np.r_[half[0][30:], half[1][30:]]),
    )
    return sampler, labels, split


def _fit_with_validation_aa(monkeypatch, values, **split_kwargs):
    sampler, labels, split = _scene(**split_kwargs)
    trainer = Trainer(epochs=len(values), batch_size=8, precision="fp32", device="cpu")
    scores = iter(values)
    monkeypatch.setattr(Trainer, "validate", lambda self, *a: {"val_oa": 0.5, "val_aa": next(scores), "val_loss": 1.0})
    torch.manual_seed(0)
    trainer.fit(_Tiny(), sampler, labels, split, seed=0)
    return trainer


def test_the_best_validation_aa_is_kept_and_ties_go_to_the_later_epoch(monkeypatch):
    trainer = _fit_with_validation_aa(monkeypatch, [0.5, 1.0, 0.9, 1.0, 0.8])
    assert trainer.best_epoch == 4 and trainer.selection["rule"] == "val_aa"


def test_a_validation_set_too_thin_to_judge_keeps_the_last_epoch(monkeypatch):
    trainer = _fit_with_validation_aa(monkeypatch, [0.5, 1.0, 0.9], n_val=3)  # 3 < min_val_per_class = 5
    assert trainer.best_epoch == 3 and trainer.selection["rule"] == "last"
    assert "fewer than 5 pixels of 2 of the 2 tested classes" in trainer.selection["reason"]


def test_validating_every_third_epoch_validates_those_and_the_last_and_keeps_only_a_validated_one(monkeypatch):
    sampler, labels, split = _scene()
    trainer = Trainer(epochs=7, batch_size=8, precision="fp32", device="cpu", val_every=3)
    calls = []
    scores = {3: 0.6, 6: 0.9, 7: 0.7}  # epoch 6 is the best of the validated ones

    def validate(self, model, sampler, labels, pixels):
        calls.append(len(self.history) + 1)
        return {"val_oa": 0.5, "val_aa": scores[calls[-1]], "val_loss": 1.0}

    monkeypatch.setattr(Trainer, "validate", validate)
    trainer.fit(_Tiny(), sampler, labels, split, seed=0)
    assert calls == [3, 6, 7]
    assert [h["epoch"] for h in trainer.history if h["val_aa"] is not None] == [3, 6, 7]
    assert trainer.best_epoch == 6


def test_patience_counts_validations_not_epochs(monkeypatch):
    sampler, labels, split = _scene()
    trainer = Trainer(epochs=9, batch_size=8, precision="fp32", device="cpu", val_every=2, patience=2)
    scores = iter([0.9, 0.5, 0.5, 0.5])  # validations at epochs 2, 4, 6: two without gain after epoch 2
    monkeypatch.setattr(Trainer, "validate", lambda self, *a: {"val_oa": 0.5, "val_aa": next(scores), "val_loss": 1.0})
    trainer.fit(_Tiny(), sampler, labels, split, seed=0)
    assert len(trainer.history) == 6 and trainer.best_epoch == 2


def test_no_validation_set_keeps_the_last_epoch_and_says_so():
    sampler, labels, split = _scene()
    trainer = Trainer(epochs=3, batch_size=8, precision="fp32", device="cpu")
    trainer.fit(_Tiny(), sampler, labels, Split(split.train, np.empty(0, np.int64), split.test), seed=0)
    assert trainer.best_epoch == 3 and trainer.selection == {"rule": "last", "reason": "there are no validation pixels"}


def test_validation_figures_match_an_independent_computation():
    sampler, labels, split = _scene()
    trainer = Trainer(epochs=1, batch_size=8, precision="fp32", device="cpu")
    model = _Tiny()
    got = trainer.validate(model, sampler, labels, split.val)
    probabilities = torch.softmax(model(sampler(split.val)), 1).detach().numpy()
    truth = labels[split.val]
    right = probabilities.argmax(1) == truth
    loss = -np.log(probabilities[np.arange(len(truth)), truth])
    assert got["val_oa"] == pytest.approx(right.mean())
    assert got["val_aa"] == pytest.approx(np.mean([right[truth == k].mean() for k in (0, 1)]))
    assert got["val_loss"] == pytest.approx(np.mean([loss[truth == k].mean() for k in (0, 1)]), rel=1e-5)


def test_fp16_training_scales_the_loss(monkeypatch):
    """fp16 needs torch.amp.GradScaler (gradients underflow otherwise); bf16 and fp32 do not."""
    made = []
    real = torch.amp.GradScaler

    def spy(device, enabled=True, **kwargs):
        made.append(enabled)
        return real(device, enabled=enabled, **kwargs)

    monkeypatch.setattr(torch.amp, "GradScaler", spy)
    sampler, labels, split = _scene()
    for precision in ("fp32", "fp16"):
        trainer = Trainer(epochs=1, batch_size=8, precision="fp32", device="cpu")
        trainer.precision = precision  # fp16 is refused on the CPU by resolve_precision; the loop is what is tested
        trainer.fit(_Tiny(), sampler, labels, split, seed=0)
    assert made == [False, True]


def test_the_report_says_when_validation_ran_only_every_few_epochs():
    from hsi.describe import training_description

    record = {"epochs": 20, "epochs_run": 20, "batch_size": 64, "precision": "fp32", "device": "cpu"}
    record.update(epoch_kept="val_aa", epoch_kept_because="best validation AA")
    assert "validated every 5 epochs and after the last" in training_description({**record, "val_every": 5}, 15)
    assert "validated every" not in training_description({**record, "val_every": 1}, 15)
    assert "validated every" not in training_description(record, 15)  # runs recorded before val_every


def test_over_the_classes_with_enough_validation_pixels_a_thin_class_is_left_out_not_the_rule(monkeypatch):
    sampler, labels, split = _scene()
    thin = np.r_[split.val[labels[split.val] == 0], split.val[labels[split.val] == 1][:2]]  # class 1: 2 pixels
    split = Split(split.train, np.sort(thin), split.test)
    seen = []

    def validate(self, model, sampler, labels, pixels):
        seen.append(np.sort(pixels))
        return {"val_oa": 0.5, "val_aa": [0.5, 0.9, 0.7][len(seen) - 1], "val_loss": 1.0}

    monkeypatch.setattr(Trainer, "validate", validate)
    trainer = Trainer(epochs=3, batch_size=8, precision="fp32", device="cpu", select_over="classes_with_enough")
    trainer.fit(_Tiny(), sampler, labels, split, seed=0)
    assert trainer.selection["rule"] == "val_aa" and trainer.selection["classes"] == [0]
    assert "over the 1 of 2 tested classes with at least 5 validation pixels (6 pixels)" in trainer.selection["reason"]
    assert trainer.best_epoch == 2  # chosen by validation, not the last epoch
    np.testing.assert_array_equal(seen[0], np.sort(split.val[labels[split.val] == 0]))  # class 1 left out
    default = Trainer(epochs=3, batch_size=8, precision="fp32", device="cpu").selection_rule(labels, split)
    assert default["rule"] == "last"  # the default rule keeps the last epoch on the same split
