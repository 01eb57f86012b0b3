"""Measured speed of a patch network on this machine: training samples per second and a full-scene map.

ShuffleNet V2 (Ma et al. 2018, ECCV, guideline 1) shows that FLOPs are an indirect measure of
speed: memory access, the degree of parallelism and the kernels' implementation decide what a
network costs on a platform. So the model card times each network here, through the code a run
uses: the :class:`Trainer`'s own steps (window gathering, forward, backward, optimiser) and the
full-scene prediction path the run would take.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from hsi.patches import PatchSampler
from hsi.splits import Split
from hsi.train.predict import choose_path, predict_logits
from hsi.train.trainer import Trainer


@dataclass(frozen=True)
class Speed:
    train_samples_per_second: float
    predict_seconds: float  # every pixel of a ``scene x scene`` scene
    predict_path: str


def _scene(bands: int, window: int, side: int, classes: int) -> tuple[torch.Tensor, np.ndarray]:
    """A random padded cube and labels: the time does not depend on the values."""
    rng = np.random.default_rng(0)
    padded = torch.from_numpy(rng.normal(size=(bands, side + window - 1, side + window - 1)).astype(np.float32))
    return padded, rng.integers(0, classes, side * side)


def measure_speed(
    model: nn.Module,
    trainer: Trainer,
    bands: int,
    window: int,
    classes: int,
    steps: int = 10,
    scene: int = 145,
) -> Speed:
    """Training samples/s over ``steps`` batches after a warm-up epoch of as many; then one full-scene map.

    The first epoch pays one-off costs (oneDNN picks its kernels, memory is allocated), so the
    figure is the second epoch's training time alone (no validation in it).
    """
    padded, labels = _scene(bands, window, scene, classes)
    train = np.arange(min(steps * trainer.batch_size, scene * scene))
    split = Split(train, np.empty(0, np.int64), np.empty(0, np.int64))
    trainer.epochs = 2
    with trainer.thread_limit():
        trainer.fit(model, PatchSampler(padded, window, scene), labels, split, seed=0)
        second_epoch = trainer.history[1]["step_seconds"] - trainer.history[0]["step_seconds"]
        options = {"precision": trainer.precision, "device": trainer.device}
        predict_logits(model, padded[:, : 16 + window - 1, : 16 + window - 1], window, **options)  # warm-up
        tic = time.perf_counter()
        predict_logits(model, padded, window, **options)
        seconds = time.perf_counter() - tic
    return Speed(len(train) / second_epoch, seconds, choose_path(model))
