"""The trainer's options are one record: the shipped config, the checks, the run's record and the words agree."""

from __future__ import annotations

from dataclasses import fields

import pytest
from hydra import compose, initialize_config_module

from hsi.errors import UserError
from hsi.train import Trainer
from hsi.train.options import TrainerOptions, defaults, option_words
from hsi.train.resume import config_differences


def _trainer_config(*overrides):
    with initialize_config_module("hsi.configs", version_base="1.3"):
        return compose("train", overrides=list(overrides)).trainer


@pytest.mark.parametrize("name", ["default", "paper", "grid"])
def test_every_shipped_trainer_config_sets_exactly_the_options(name):
    keys = set(_trainer_config(f"trainer={name}")) - {"_target_", "optimizer", "scheduler"}
    assert keys == {f.name for f in fields(TrainerOptions)}


def test_a_trainer_takes_every_option_as_an_attribute_and_records_what_a_run_reports():
    trainer = Trainer(epochs=3, grad_clip=1.0, augment="d4", label_smoothing=0.1)
    assert (trainer.epochs, trainer.grad_clip, trainer.augment) == (3, 1.0, "d4")
    assert trainer.loss_fn.label_smoothing == 0.1
    record = trainer.options.record()
    assert record["grad_clip"] == 1.0 and record["epochs"] == 3 and "threads" not in record
    assert option_words(record) == ["label smoothing 0.1", "gradient norm clipped to 1"]


@pytest.mark.parametrize(
    ("options", "sentence"),
    [
        ({"epochs": 0}, "trainer.epochs is 0; it must be a whole number of at least 1."),
        ({"grad_clip": 0}, "trainer.grad_clip is 0; it must be a number x > 0 (or null to switch it off)."),
        ({"ema_decay": 1.5}, "trainer.ema_decay is 1.5; it must be a number 0.0 <= x <= 1.0 (or null)."),
        ({"tta": "yes"}, "trainer.tta is 'yes'; it must be true or false."),
        ({"batches": "tiles", "mixup": 0.2}, "trainer.mixup blends whole windows"),
    ],
)
def test_a_bad_value_is_one_sentence(options, sentence):
    with pytest.raises(UserError) as refused:
        Trainer(**options)
    assert str(refused.value).startswith(sentence)


def test_a_run_saved_before_an_option_existed_resumes_as_if_it_had_its_default():
    saved = {"trainer": {"epochs": 5}}
    assert config_differences(saved, {"trainer": {"epochs": 5, "grad_clip": None, "batches": "windows"}}) == []
    assert config_differences(saved, {"trainer": {"epochs": 5, "grad_clip": 1.0}}) == ["trainer.grad_clip: None -> 1.0"]
    assert defaults()["batches"] == "windows" and defaults()["tta"] is False
