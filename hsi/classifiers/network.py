"""A patch network (HybridSN and variants) with the trainer that fits it."""

from __future__ import annotations

import time

import numpy as np
import torch
from torch import nn

from hsi.classifiers.base import SceneInputs, ScenePrediction
from hsi.patches import PatchSampler
from hsi.preprocess import pad_cube
from hsi.splits import Split
from hsi.train import Trainer
from hsi.train.predict import choose_path, predict_scene


class NetworkClassifier:
    """Windows around each pixel, cut from the PCA cube padded by ``window // 2``.

    Args:
        module: the network, taking ``(N, 1, components, window, window)`` windows.
        trainer: fits it; optional when the network only predicts (``hsi-map``).
        precision, device, tta: for prediction without a trainer (with one, the trainer's own); ``tta``
            averages the eight flipped and rotated views of every window.
    """

    own_preprocessing = False

    def __init__(
        self,
        module: nn.Module,
        trainer: Trainer | None = None,
        precision: str = "fp32",
        device="cpu",
        tta: bool = False,
    ) -> None:
        if trainer is not None:
            trainer.check_model(module)  # before any data is read
        self.module = module
        self.trainer = trainer
        self.precision = trainer.precision if trainer is not None else precision
        self.device = trainer.device if trainer is not None else torch.device(device)
        self.tta = trainer.tta if trainer is not None else tta
        self.history: list[dict] = []
        self.best_epoch: int | None = None
        self.fit_seconds = 0.0
        # (the reduced cube, its padded tensor): fit, validation and the scene's map pad once. The cube
        # itself is kept, and compared by identity, so a later cube can never be taken for it.
        self._padded: tuple[np.ndarray, torch.Tensor] | None = None

    def _sampler(self, inputs: SceneInputs) -> tuple[torch.Tensor, PatchSampler]:
        if self._padded is None or self._padded[0] is not inputs.reduced:
            self._padded = (inputs.reduced, pad_cube(inputs.reduced, inputs.window // 2, inputs.padding))
        padded = self._padded[1]
        return padded, PatchSampler(padded, inputs.window, inputs.shape[1])

    def fit(
        self, inputs: SceneInputs, labels: np.ndarray, split: Split, seed: int, resume_state: dict | None = None
    ) -> None:
        _, sampler = self._sampler(inputs)
        self.module = self.trainer.fit(
            self.module, sampler, labels, split, seed=seed, resume_state=resume_state, dark=inputs.dark
        )
        self.history, self.best_epoch = self.trainer.history, self.trainer.best_epoch
        self.fit_seconds = self.trainer.train_seconds

    def predict_pixels(self, inputs: SceneInputs, pixels: np.ndarray) -> np.ndarray:
        _, sampler = self._sampler(inputs)
        return self.trainer.predict(self.module, sampler, pixels).argmax(1).numpy()

    def predict_scene(self, inputs: SceneInputs) -> ScenePrediction:
        padded, _ = self._sampler(inputs)
        tic = time.perf_counter()
        path = choose_path(self.module)
        labels, probabilities = predict_scene(
            self.module, padded, inputs.window, path=path, precision=self.precision, device=self.device, tta=self.tta
        )
        return ScenePrediction(labels.numpy(), probabilities.numpy(), path, time.perf_counter() - tic)

    def training_record(self) -> dict:
        t = self.trainer
        return {
            **t.options.record(),
            "epochs_run": len(self.history),
            "precision": t.precision,
            "device": str(t.device),
            "epoch_kept": t.selection["rule"],
            "epoch_kept_because": t.selection["reason"],
            "init": getattr(self.module, "init_scheme", "torch"),
            "tile_side": t.tile_side_used,
        }

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.module.parameters())

    def state_dict(self) -> dict:
        return self.module.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.module.load_state_dict(state)
        self.module.to(self.device)
