"""Seeds that vary apart: same seeds give the same run; init_seed alone leaves the split alone."""

from __future__ import annotations

import json

import pytest
import torch
from hydra import compose, initialize_config_module

from hsi.experiment import train_and_evaluate

FAST = [
    "trainer.epochs=3",
    "trainer.batch_size=32",
    "trainer.precision=fp32",
    "maps.enabled=false",
    "split.train_fraction=0.2",
    "deterministic=true",
]


@pytest.fixture
def run(scene_files, tmp_path):
    def _run(name, *overrides):
        with initialize_config_module("hsi.configs", version_base="1.3"):
            cfg = compose("train", overrides=[*scene_files["overrides"], *FAST, *overrides])
        run_dir = tmp_path / name
        run_dir.mkdir()
        metrics = train_and_evaluate(cfg, run_dir, model_name="hybridsn")
        return metrics, torch.load(run_dir / "checkpoint.pt", weights_only=True)

    yield _run
    torch.use_deterministic_algorithms(False)


def test_same_seeds_give_identical_metrics_on_the_cpu(run):
    a, _ = run("a", "seed=4")
    b, _ = run("b", "seed=4")
    for key in ("overall_accuracy", "average_accuracy", "kappa", "confusion_matrix", "per_class"):
        assert a[key] == b[key], key
    assert [h["train_loss"] for h in a["history"]] == [h["train_loss"] for h in b["history"]]


def test_init_seed_changes_the_weights_but_not_the_split(run):
    a, ckpt_a = run("a", "split_seed=1", "init_seed=0")
    b, ckpt_b = run("b", "split_seed=1", "init_seed=1")
    for part in ("train", "val", "test"):
        assert torch.equal(ckpt_a["split"][part], ckpt_b["split"][part])
    assert not torch.equal(ckpt_a["model_state"]["fc1.weight"], ckpt_b["model_state"]["fc1.weight"])
    c, ckpt_c = run("c", "split_seed=2", "init_seed=0")
    assert not torch.equal(ckpt_a["split"]["train"], ckpt_c["split"]["train"])
    assert json.dumps(a["protocol"]["split"]) == json.dumps(c["protocol"]["split"])
    assert (a["protocol"]["split_seed"], c["protocol"]["split_seed"]) == (1, 2)


def test_seed_sets_both_seeds_unless_they_are_given(scene_files):
    with initialize_config_module("hsi.configs", version_base="1.3"):
        cfg = compose("train", overrides=["seed=7"])
        assert (cfg.split_seed, cfg.init_seed) == (7, 7)
        cfg = compose("train", overrides=["seed=7", "init_seed=2"])
        assert (cfg.split_seed, cfg.init_seed) == (7, 2)
