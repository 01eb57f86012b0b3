"""The training loop: epochs of batches (:mod:`hsi.train.batches`), one optimisation step each, validation,
and the epoch kept by the selection rule (:mod:`hsi.train.selection`); resumable after an interruption.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from hsi.patches import PatchSampler
from hsi.splits import Split
from hsi.train import tiles
from hsi.train.batches import TrainingBatches
from hsi.train.inference import pixel_probabilities
from hsi.train.interrupt import StopRequest, TrainingInterrupted
from hsi.train.options import TrainerOptions
from hsi.train.precision import autocast, resolve_device, resolve_precision
from hsi.train.selection import selection_pixels, selection_rule, validation_figures

log = logging.getLogger(__name__)


@dataclass
class _Loop:
    """The state of one :meth:`Trainer.fit`: what a resume snapshot holds, besides the history."""

    model: nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: object | None
    scaler: torch.amp.GradScaler
    generator: torch.Generator
    ema: AveragedModel | None = None  # the averaged weights, validated and kept instead of the raw ones
    best_score: float = -math.inf
    best_state: dict | None = None
    stale: int = 0
    first_epoch: int = 1
    elapsed: float = 0.0  # seconds of earlier sessions of a resumed run
    start: float = 0.0  # perf_counter() at the start of this session's epochs
    val_pixels: np.ndarray | None = None  # the validation pixels the selection rule reads, every epoch

    @property
    def judged(self) -> nn.Module:
        """The weights that are validated and kept: the EMA's when there is one."""
        return self.ema.module if self.ema is not None else self.model


def weight_decay_groups(model: nn.Module) -> list[dict]:
    """Parameter groups with no weight decay on biases and norm scales (every tensor of one axis or none).

    Decay pulls weights towards zero to limit the capacity of the filters; a bias or a normalisation
    scale has no such capacity, and decaying a BatchNorm scale only fights the normalisation
    (Loshchilov and Hutter 2019, AdamW; the rule is timm's ``param_groups_weight_decay``).
    """
    decay = [p for p in model.parameters() if p.requires_grad and p.ndim > 1]
    no_decay = [p for p in model.parameters() if p.requires_grad and p.ndim <= 1]
    return [g for g in ({"params": decay}, {"params": no_decay, "weight_decay": 0.0}) if g["params"]]


class Trainer:
    """Trains a patch classifier and predicts with it.

    Args:
        optimizer: a partial ``torch.optim`` constructor taking the parameters (Adam at 1e-3 if None).
        scheduler: optional partial LR scheduler taking ``(optimizer, total_steps)`` keywords.
        **options: the fields of :class:`~hsi.train.options.TrainerOptions` (epochs, batch size,
            precision, validation, augmentation, how batches are computed...), checked there, one
            sentence for the first bad value; each becomes an attribute of the trainer.

    With ``batches`` ``tiles`` or ``grid``, validation and :meth:`predict` go through tiles too, and
    ``d4`` and the spectral augmentations draw one view, factor or noise image per tile, which all
    of its windows share. Validation cost about an eighth of a default run (studies/history/speed.md).
    A weight decay given to the optimiser applies to weights of two or more axes only (biases and
    norm scales are not decayed, see :func:`weight_decay_groups`).
    """

    def __init__(self, optimizer: Callable | None = None, scheduler: Callable | None = None, **options) -> None:
        self.options = TrainerOptions.checked(**options)
        for name, value in vars(self.options).items():
            setattr(self, name, value)
        self.training_batches = TrainingBatches(self.options, self.device)  # each fit() makes its own
        self.optimizer_factory = optimizer or (lambda params: torch.optim.Adam(params, lr=1e-3))
        self.scheduler_factory = scheduler
        self.device = resolve_device(self.device)
        self.precision = resolve_precision(self.precision, self.device)
        self.selection: dict = {}
        self.loss_fn = nn.CrossEntropyLoss(label_smoothing=self.label_smoothing)
        self.listeners: list[Callable[[dict], None]] = []  # each gets every epoch's record (run tracking)
        self.history: list[dict] = []
        self.best_epoch = 0
        self.train_seconds = 0.0

    @property
    def tile_side_used(self) -> int | None:
        """The tile side the last fit() trained with (None with window batches)."""
        return self.training_batches.side

    def check_model(self, model: nn.Module) -> None:
        """One sentence, before any data is read, if ``model`` cannot be trained with these batches."""
        if self.batches != "windows":
            tiles.check_model(model, self.batches)

    def selection_rule(self, labels: np.ndarray, split: Split) -> dict:
        """Whether the validation set can choose the epoch (:func:`hsi.train.selection.selection_rule`)."""
        return selection_rule(labels, split, self.min_val_per_class, self.select_over)

    def fit(
        self,
        model: nn.Module,
        sampler: PatchSampler,
        labels: np.ndarray,
        split: Split,
        seed: int,
        epoch_callback: Callable[[int, nn.Module], None] | None = None,
        resume_state: dict | None = None,
        dark: np.ndarray | None = None,
    ) -> nn.Module:
        """Train ``model`` on ``split.train``; returns it holding the weights of the chosen epoch.

        ``labels``: zero-based class of every flat pixel (-1: never drawn). ``seed``: the batch order.
        ``epoch_callback(epoch, model)``: after each epoch, outside the timed steps. ``dark``: see ``spectral_scale``.

        Ctrl-C or SIGTERM stops at the next batch boundary with :class:`TrainingInterrupted`, whose
        ``state`` is everything as of the end of the last finished epoch; pass it back as
        ``resume_state`` to go on exactly as if nothing had happened (under deterministic algorithms).
        """
        dark = None if dark is None else torch.as_tensor(dark, dtype=torch.float32)
        self.training_batches = TrainingBatches(self.options, self.device, dark)
        self.training_batches.choose_tile_side(model, split.train, sampler)
        loop = self._start(model, labels, split, seed, resume_state)
        targets = torch.as_tensor(labels, dtype=torch.long)
        train_pixels = torch.as_tensor(split.train, dtype=torch.long)
        loop.start, step_seconds = time.perf_counter(), self.history[-1]["step_seconds"] if self.history else 0.0
        last_good = self._snapshot(loop, loop.first_epoch - 1)
        bar = self._progress_bar(loop.first_epoch)
        # log lines go above the progress bar, not into its line
        with StopRequest() as stop, logging_redirect_tqdm():
            for epoch in bar:
                tic = time.perf_counter()
                train_loss = self._train_epoch(loop, sampler, targets, train_pixels, stop, last_good)
                step_seconds += time.perf_counter() - tic
                record = {"epoch": epoch, "train_loss": train_loss, "step_seconds": step_seconds}
                record.update(self._validate_epoch(loop, epoch, sampler, labels, loop.val_pixels))
                record["seconds"] = loop.elapsed + time.perf_counter() - loop.start
                self._record(loop, bar, record)
                if epoch_callback is not None:
                    epoch_callback(epoch, loop.judged)
                last_good = self._snapshot(loop, epoch)
                if stop.requested:
                    raise TrainingInterrupted(last_good)
                if self.patience is not None and loop.stale >= self.patience:
                    log.info("no better validation AA in %d validations: stopping early", loop.stale)
                    break
        self.train_seconds = loop.elapsed + time.perf_counter() - loop.start
        model.load_state_dict(loop.best_state)
        return model

    @contextlib.contextmanager
    def thread_limit(self):
        """``trainer.threads`` torch threads inside the block, the previous count after it (a run in a
        longer process, such as a test session, leaves the process as it found it)."""
        previous = torch.get_num_threads()
        if self.threads:
            torch.set_num_threads(int(self.threads))
        try:
            yield
        finally:
            torch.set_num_threads(previous)

    def _record(self, loop: _Loop, bar: tqdm, record: dict) -> None:
        """The epoch into the history, to the listeners, the selection rule and the log."""
        self.history.append(record)
        for listener in self.listeners:
            listener(record)
        self._keep_if_best(loop, record)
        self._log_epoch(bar, record)

    def _log_selection(self) -> None:
        rule, reason = self.selection["rule"], self.selection["reason"]
        log.info("epoch kept: %s", "last epoch, because " + reason if rule == "last" else reason)

    def _progress_bar(self, first_epoch: int) -> tqdm:
        epochs = range(first_epoch, self.epochs + 1)
        return tqdm(epochs, desc="train", unit="epoch", disable=None, initial=first_epoch - 1, total=self.epochs)

    def _start(self, model: nn.Module, labels: np.ndarray, split: Split, seed: int, resume_state: dict | None) -> _Loop:
        """The selection rule; the optimiser, the schedule over every step, the loss scaler and the batch-order
        generator, fresh or as the interrupted run left them."""
        self.selection = self.selection_rule(labels, split)
        self._log_selection()
        self.history, self.best_epoch = [], 0  # a second fit() starts afresh
        model.to(self.device)
        optimizer = self.optimizer_factory(model.parameters())
        # Only a decaying optimiser gets the two groups, so runs without decay keep the one-group optimiser
        # state that earlier interrupted runs saved (and resume from).
        if optimizer.defaults.get("weight_decay", 0):
            optimizer = self.optimizer_factory(weight_decay_groups(model))
        steps_per_epoch = -(-len(split.train) // self.batch_size)
        scheduler = (
            self.scheduler_factory(optimizer, total_steps=self.epochs * steps_per_epoch)
            if self.scheduler_factory
            else None
        )
        # fp16 has a narrow exponent: scale the loss so small gradients do not flush to zero
        scaler = torch.amp.GradScaler(self.device.type, enabled=self.precision == "fp16")
        loop = _Loop(model, optimizer, scheduler, scaler, torch.Generator().manual_seed(seed))
        loop.val_pixels = selection_pixels(self.selection, labels, split)
        if self.ema_decay is not None:
            loop.ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(self.ema_decay), use_buffers=True)
        if resume_state is not None:
            self._restore(loop, resume_state)
        return loop

    def _restore(self, loop: _Loop, state: dict) -> None:
        """Everything as of the end of the interrupted run's last finished epoch."""
        loop.model.load_state_dict(state["model"])
        loop.optimizer.load_state_dict(state["optimizer"])
        if loop.scheduler is not None and state.get("scheduler") is not None:
            loop.scheduler.load_state_dict(state["scheduler"])
        if state.get("scaler"):
            loop.scaler.load_state_dict(state["scaler"])
        loop.generator.set_state(state["generator"])
        if loop.ema is not None and state.get("ema") is not None:
            loop.ema.load_state_dict(state["ema"])
        torch.set_rng_state(state["torch_rng"])
        self.history = [dict(h) for h in state["history"]]
        loop.best_score, loop.stale, self.best_epoch = state["best_score"], state["stale"], state["best_epoch"]
        loop.best_state = state["best_model"]
        loop.first_epoch, loop.elapsed = state["epoch"] + 1, state["elapsed"]
        log.info("resuming after epoch %d", state["epoch"])

    def _snapshot(self, loop: _Loop, epoch: int) -> dict:
        """What a resume needs to go on after ``epoch`` (see :meth:`fit`)."""
        return {
            "epoch": epoch,
            "model": copy.deepcopy(loop.model.state_dict()),
            "optimizer": copy.deepcopy(loop.optimizer.state_dict()),
            "scheduler": loop.scheduler.state_dict() if loop.scheduler is not None else None,
            "scaler": loop.scaler.state_dict() if loop.scaler.is_enabled() else None,
            "generator": loop.generator.get_state(),
            "ema": copy.deepcopy(loop.ema.state_dict()) if loop.ema is not None else None,
            "torch_rng": torch.get_rng_state(),
            "history": [dict(h) for h in self.history],
            "best_score": loop.best_score,
            "stale": loop.stale,
            "best_epoch": self.best_epoch,
            "best_model": loop.best_state,
            "elapsed": loop.elapsed + time.perf_counter() - loop.start,
        }

    def _train_epoch(
        self,
        loop: _Loop,
        sampler: PatchSampler,
        targets: torch.Tensor,
        train_pixels: torch.Tensor,
        stop: StopRequest,
        last_good: dict,
    ) -> float:
        """One pass over the training pixels in a fresh order; the mean training loss."""
        loop.model.train()
        total_loss, seen = 0.0, 0
        steps = self.training_batches.steps(loop.generator, sampler, train_pixels, targets[train_pixels])
        for forward, y, partner, lam in steps:
            y = targets[y].to(self.device, non_blocking=True)
            with autocast(self.precision, self.device):
                out = forward(loop.model)
                loss = self.loss_fn(out, y)
                if partner is not None:  # mixup or CutMix: the target is lam of y and 1 - lam of the partner's
                    loss = lam * loss + (1.0 - lam) * self.loss_fn(out, y[partner.to(y.device)])
            self._step(loop, loss)
            total_loss += float(loss.detach()) * len(y)
            seen += len(y)
            if stop.requested:
                raise TrainingInterrupted(last_good)
        return total_loss / seen

    def _step(self, loop: _Loop, loss: torch.Tensor) -> None:
        """Backward, (clip,) step, schedule and average: one optimisation step."""
        loop.optimizer.zero_grad(set_to_none=True)
        loop.scaler.scale(loss).backward()
        if self.grad_clip is not None:
            loop.scaler.unscale_(loop.optimizer)  # clip the true gradients, not the fp16-scaled ones
            nn.utils.clip_grad_norm_(loop.model.parameters(), self.grad_clip)
        loop.scaler.step(loop.optimizer)
        loop.scaler.update()
        if loop.scheduler is not None:
            loop.scheduler.step()
        if loop.ema is not None:
            loop.ema.update_parameters(loop.model)

    def _keep_if_best(self, loop: _Loop, record: dict) -> None:
        """Keep the weights of this epoch if the selection rule scores it at least as high (ties: later)."""
        if self.selection["rule"] == "val_aa" and record["val_aa"] is None:
            return  # an epoch between validations (val_every): it can neither be kept nor count as stale
        score = record["val_aa"] if self.selection["rule"] == "val_aa" else float(record["epoch"])
        if score >= loop.best_score:
            loop.best_score, loop.stale, self.best_epoch = score, 0, record["epoch"]
            loop.best_state = copy.deepcopy(loop.judged.state_dict())
        else:
            loop.stale += 1

    def _validate_epoch(self, loop: _Loop, epoch: int, sampler: PatchSampler, labels: np.ndarray, val) -> dict:
        """This epoch's validation figures, or None figures for an epoch between validations (``val_every``)."""
        if epoch % self.val_every and epoch != self.epochs:
            return {"val_oa": None, "val_aa": None, "val_loss": None}
        return self.validate(loop.judged, sampler, labels, val)

    def validate(self, model: nn.Module, sampler: PatchSampler, labels: np.ndarray, pixels: np.ndarray) -> dict:
        """Validation OA, AA and class-balanced cross-entropy (:func:`hsi.train.selection.validation_figures`)."""
        if not len(pixels):
            return {"val_oa": None, "val_aa": None, "val_loss": None}
        truth = torch.as_tensor(labels[pixels], dtype=torch.long)
        return validation_figures(self.predict(model, sampler, pixels), truth)

    @staticmethod
    def _log_epoch(bar, record: dict) -> None:
        def pct(x):
            return "-" if x is None else f"{100 * x:.2f}%"

        loss = "-" if record["val_loss"] is None else f"{record['val_loss']:.4f}"
        log.info(
            "epoch %d loss %.4f val loss %s OA %s AA %s (%.1fs)",
            record["epoch"],
            record["train_loss"],
            loss,
            pct(record["val_oa"]),
            pct(record["val_aa"]),
            record["seconds"],
        )
        bar.set_postfix(loss=f"{record['train_loss']:.3f}", val_loss=loss)

    def predict(self, model: nn.Module, sampler: PatchSampler, pixels: np.ndarray) -> torch.Tensor:
        """Softmax probabilities ``(N, K)`` (float32, on the CPU) for flat pixel indices, as this trainer computes."""
        return pixel_probabilities(
            model,
            sampler,
            pixels,
            batches=self.batches,
            tile_side=self.tile_side_used,
            batch_size=self.eval_batch_size,
            precision=self.precision,
            device=self.device,
            tta=self.tta,
        )
