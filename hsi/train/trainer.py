"""The training loop: mini-batches of windows; the epoch kept is the one with the best validation AA.

Why that rule (docs/splits.md): validation OA is dominated by the large classes, and a strict
``>`` froze on the first epoch that saturated a small validation set. Validation *loss* was tried
first and rejected on validation evidence: under a spatially disjoint split the network grows
confidently wrong on unseen fields, so cross-entropy rises while accuracy rises too, and the
lowest loss falls on a barely trained epoch (11x11 windows, seed 0: epoch 2 of 30, validation AA
14% against 51% at epoch 18). AA weighs every tested class alike, like the figure the report
leads with. Ties go to the later epoch, so a saturated validation set keeps the most trained
weights. When the validation set cannot judge (empty, too few pixels of a tested class), the
last epoch is kept and the run says so.
"""

from __future__ import annotations

import copy
import logging
import math
import time
from collections.abc import Callable

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from hsi.patches import PatchSampler
from hsi.splits import Split
from hsi.train.interrupt import StopRequest, TrainingInterrupted
from hsi.train.precision import autocast, resolve_device, resolve_precision

log = logging.getLogger(__name__)


class Trainer:
    """Trains a patch classifier and predicts with it.

    Args:
        epochs: passes over the training pixels.
        batch_size: training windows per step (128 in the reference).
        optimizer: a partial ``torch.optim`` constructor taking the parameters.
        scheduler: optional partial LR scheduler taking ``(optimizer, total_steps)`` keywords.
        device: ``auto``, ``cpu``, ``cuda``, ``cuda:1``...
        precision: ``auto``, ``fp32``, ``bf16`` or ``fp16`` (autocast).
        eval_batch_size: windows per forward pass when predicting.
        patience: stop after this many epochs without a better validation AA (null: never).
        min_val_per_class: the validation set chooses the epoch only if it holds at least this many
            pixels of every class the test set holds; otherwise the last epoch is kept.
        threads: torch intra-op threads (null: torch's default).
    """

    def __init__(
        self,
        epochs: int = 100,
        batch_size: int = 128,
        optimizer: Callable | None = None,
        scheduler: Callable | None = None,
        device: str = "auto",
        precision: str = "fp32",
        eval_batch_size: int = 256,
        patience: int | None = None,
        threads: int | None = None,
        min_val_per_class: int = 5,
    ) -> None:
        self.epochs = epochs
        self.batch_size = batch_size
        self.optimizer_factory = optimizer or (lambda params: torch.optim.Adam(params, lr=1e-3))
        self.scheduler_factory = scheduler
        self.device = resolve_device(device)
        self.precision = resolve_precision(precision, self.device)
        self.eval_batch_size = eval_batch_size
        self.patience = patience
        self.min_val_per_class = min_val_per_class
        self.selection: dict = {}
        if threads:
            torch.set_num_threads(int(threads))
        self.history: list[dict] = []
        self.best_epoch = 0
        self.train_seconds = 0.0

    def selection_rule(self, labels: np.ndarray, split: Split) -> dict:
        """Whether the validation set can choose the epoch; ``{"rule": "val_aa" | "last", "reason": ...}``."""
        needed = np.unique(labels[split.test] if len(split.test) else labels[split.train])
        if not len(split.val):
            return {"rule": "last", "reason": "there are no validation pixels"}
        counts = np.bincount(labels[split.val], minlength=int(needed.max()) + 1)
        thin = [int(k) for k in needed if counts[k] < self.min_val_per_class]
        if thin:
            return {"rule": "last", "reason": (
                f"the validation set holds fewer than {self.min_val_per_class} pixels of {len(thin)} of the "
                f"{len(needed)} tested classes")}
        return {"rule": "val_aa", "reason": (
            f"best validation AA over {len(split.val)} pixels of {len(needed)} classes, ties to the later epoch")}

    def fit(self, model: nn.Module, sampler: PatchSampler, labels: np.ndarray, split: Split, seed: int,
            epoch_callback: Callable[[int, nn.Module], None] | None = None,
            resume_state: dict | None = None) -> nn.Module:
        """Train ``model`` on ``split.train``; returns it holding the weights of the chosen epoch.

        ``labels`` are zero-based class indices for every flat pixel (unlabelled pixels are
        never drawn). ``seed`` drives the batch order. ``epoch_callback(epoch, model)`` runs
        after each epoch, outside the timed training steps (benchmarks use it).

        Ctrl-C or SIGTERM stops at the next batch boundary with :class:`TrainingInterrupted`,
        whose ``state`` is everything as of the end of the last finished epoch (weights,
        optimiser, scheduler, random states, history); pass it back as ``resume_state`` to go
        on exactly as if nothing had happened (identical results under deterministic algorithms).
        """
        model.to(self.device)
        optimizer = self.optimizer_factory(model.parameters())
        steps_per_epoch = -(-len(split.train) // self.batch_size)
        scheduler = (
            self.scheduler_factory(optimizer, total_steps=self.epochs * steps_per_epoch)
            if self.scheduler_factory else None
        )
        # fp16 has a narrow exponent: scale the loss so small gradients do not flush to zero
        scaler = torch.amp.GradScaler(self.device.type, enabled=self.precision == "fp16")
        targets = torch.as_tensor(labels, dtype=torch.long)
        train_pixels = torch.as_tensor(split.train, dtype=torch.long)
        generator = torch.Generator().manual_seed(seed)
        loss_fn = nn.CrossEntropyLoss()
        self.selection = self.selection_rule(labels, split)
        log.info("epoch kept: %s", "last epoch, because " + self.selection["reason"]
                 if self.selection["rule"] == "last" else self.selection["reason"])
        best_score, best_state, stale, first_epoch, elapsed = -math.inf, None, 0, 1, 0.0
        self.history, self.best_epoch = [], 0  # a second fit() starts afresh
        if resume_state is not None:
            model.load_state_dict(resume_state["model"])
            optimizer.load_state_dict(resume_state["optimizer"])
            if scheduler is not None and resume_state.get("scheduler") is not None:
                scheduler.load_state_dict(resume_state["scheduler"])
            if resume_state.get("scaler"):
                scaler.load_state_dict(resume_state["scaler"])
            generator.set_state(resume_state["generator"])
            torch.set_rng_state(resume_state["torch_rng"])
            self.history = [dict(h) for h in resume_state["history"]]
            best_score, stale, self.best_epoch = resume_state["best_score"], resume_state["stale"], resume_state["best_epoch"]
            best_state = resume_state["best_model"]
            first_epoch, elapsed = resume_state["epoch"] + 1, resume_state["elapsed"]
            log.info("resuming after epoch %d", resume_state["epoch"])

        def snapshot(epoch: int) -> dict:
            return {
                "epoch": epoch, "model": copy.deepcopy(model.state_dict()),
                "optimizer": copy.deepcopy(optimizer.state_dict()),
                "scheduler": scheduler.state_dict() if scheduler is not None else None,
                "scaler": scaler.state_dict() if scaler.is_enabled() else None,
                "generator": generator.get_state(), "torch_rng": torch.get_rng_state(),
                "history": [dict(h) for h in self.history], "best_score": best_score, "stale": stale,
                "best_epoch": self.best_epoch, "best_model": best_state,
                "elapsed": elapsed + time.perf_counter() - start,
            }

        start = time.perf_counter()
        step_seconds = self.history[-1]["step_seconds"] if self.history else 0.0
        last_good = snapshot(first_epoch - 1)
        bar = tqdm(range(first_epoch, self.epochs + 1), desc="train", unit="epoch", disable=None,
                   initial=first_epoch - 1, total=self.epochs)
        with StopRequest() as stop:
            for epoch in bar:
                model.train()
                order = train_pixels[torch.randperm(len(train_pixels), generator=generator)]
                total_loss, seen = 0.0, 0
                tic = time.perf_counter()
                for batch in order.split(self.batch_size):
                    x = sampler(batch).to(self.device, non_blocking=True)
                    y = targets[batch].to(self.device, non_blocking=True)
                    with autocast(self.precision, self.device):
                        loss = loss_fn(model(x), y)
                    optimizer.zero_grad(set_to_none=True)
                    scaler.scale(loss).backward()
                    scaler.step(optimizer)
                    scaler.update()
                    if scheduler is not None:
                        scheduler.step()
                    total_loss += float(loss.detach()) * len(batch)
                    seen += len(batch)
                    if stop.requested:
                        raise TrainingInterrupted(last_good)
                step_seconds += time.perf_counter() - tic
                record = {"epoch": epoch, "train_loss": total_loss / seen, "step_seconds": step_seconds,
                          **self.validate(model, sampler, labels, split.val)}
                record["seconds"] = elapsed + time.perf_counter() - start
                self.history.append(record)
                score = record["val_aa"] if self.selection["rule"] == "val_aa" else float(epoch)
                if score >= best_score:  # ties go to the later epoch
                    best_score, stale, self.best_epoch = score, 0, epoch
                    best_state = copy.deepcopy(model.state_dict())
                else:
                    stale += 1
                self._log_epoch(bar, record)
                if epoch_callback is not None:
                    epoch_callback(epoch, model)
                last_good = snapshot(epoch)
                if stop.requested:
                    raise TrainingInterrupted(last_good)
                if self.patience is not None and stale >= self.patience:
                    log.info("no better validation AA for %d epochs: stopping early", stale)
                    break
        self.train_seconds = elapsed + time.perf_counter() - start
        model.load_state_dict(best_state)
        return model

    def validate(self, model: nn.Module, sampler: PatchSampler, labels: np.ndarray, pixels: np.ndarray) -> dict:
        """Validation OA, AA and class-balanced cross-entropy (mean over classes of each class's mean loss)."""
        if not len(pixels):
            return {"val_oa": None, "val_aa": None, "val_loss": None}
        probabilities = self.predict(model, sampler, pixels)
        truth = torch.as_tensor(labels[pixels], dtype=torch.long)
        right = probabilities.argmax(1) == truth
        loss = -torch.log(probabilities.gather(1, truth[:, None]).squeeze(1).clamp_min(1e-12))
        classes = truth.unique()
        per_class_loss = torch.stack([loss[truth == k].mean() for k in classes])
        per_class_recall = torch.stack([right[truth == k].float().mean() for k in classes])
        return {"val_oa": float(right.float().mean()), "val_aa": float(per_class_recall.mean()),
                "val_loss": float(per_class_loss.mean())}

    @staticmethod
    def _log_epoch(bar, record: dict) -> None:
        def pct(x):
            return "-" if x is None else f"{100 * x:.2f}%"

        loss = "-" if record["val_loss"] is None else f"{record['val_loss']:.4f}"
        log.info("epoch %d loss %.4f val loss %s OA %s AA %s (%.1fs)", record["epoch"], record["train_loss"], loss,
                 pct(record["val_oa"]), pct(record["val_aa"]), record["seconds"])
        bar.set_postfix(loss=f"{record['train_loss']:.3f}", val_loss=loss)

    def predict(self, model: nn.Module, sampler: PatchSampler, pixels: np.ndarray) -> torch.Tensor:
        """Softmax probabilities ``(N, K)`` (float32, on the CPU) for flat pixel indices."""
        was_training = model.training
        model.eval()
        logits = window_logits(model, sampler, pixels, self.eval_batch_size, self.precision, self.device)
        model.train(was_training)
        return logits.softmax(1)


@torch.no_grad()
def window_logits(model: nn.Module, sampler: PatchSampler, pixels, batch_size: int, precision: str,
                  device: torch.device) -> torch.Tensor:
    """Logits ``(N, K)`` (float32, CPU) of the windows around flat pixel indices, in batches."""
    out = []
    for batch in torch.as_tensor(pixels, dtype=torch.long).split(batch_size):
        with autocast(precision, device):
            out.append(model(sampler(batch).to(device, non_blocking=True)).float().cpu())
    return torch.cat(out) if out else torch.empty(0, 0)
