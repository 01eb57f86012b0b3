"""Precision choice, and training in bf16 and fp32 on a synthetic scene."""

from __future__ import annotations

import pytest
import torch
from hydra import compose, initialize_config_module

from hsi.errors import UserError
from hsi.experiment import train_and_evaluate
from hsi.train import precision as precision_module
from hsi.train.precision import resolve_precision


def test_auto_precision_follows_the_cpu(monkeypatch):
    cpu = torch.device("cpu")
    monkeypatch.setattr(precision_module, "cpu_has_native_bf16", lambda: True)
    assert resolve_precision("auto", cpu) == "bf16"
    monkeypatch.setattr(precision_module, "cpu_has_native_bf16", lambda: False)
    assert resolve_precision("auto", cpu) == "fp32"
    assert resolve_precision("fp32", cpu) == "fp32"
    with pytest.raises(UserError, match="fp16 is for CUDA devices"):
        resolve_precision("fp16", cpu)


# bf16 autocast on a CPU without native bf16 (AVX2 only) is emulated and about 10x slower: slow there.
@pytest.mark.parametrize("precision", ["fp32", pytest.param("bf16", marks=pytest.mark.slow)])
def test_both_precisions_train_the_synthetic_scene(scene_files, tmp_path, precision):
    overrides = [
        *scene_files["overrides"],
        f"trainer.precision={precision}",
        "trainer.epochs=12",
        "trainer.batch_size=16",
        "split.train_fraction=0.2",
        "maps.enabled=false",
    ]
    with initialize_config_module("hsi.configs", version_base="1.3"):
        cfg = compose("train", overrides=overrides)
    metrics = train_and_evaluate(cfg, tmp_path, model_name="hybridsn")
    assert metrics["protocol"]["training"]["precision"] == precision
    assert metrics["overall_accuracy"] > 0.85  # four classes: chance is 25%


def test_trainer_threads_apply_inside_the_run_only():
    import torch

    from hsi.train import Trainer

    before = torch.get_num_threads()
    trainer = Trainer(threads=1)
    assert torch.get_num_threads() == before  # building a trainer changes nothing
    with trainer.thread_limit():
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
