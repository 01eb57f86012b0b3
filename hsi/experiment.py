"""One run from a composed config: load, split, reduce, train, evaluate, report.

Every check that can fail on user input runs before the PCA and the training, so a bad
setting costs the user seconds, not a training run.
"""

from __future__ import annotations

import io
import logging
import platform
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from hydra.errors import InstantiationException
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from hsi.errors import RunInterrupted, UserError
from hsi.evaluate import classification_metrics
from hsi.maps.scene_maps import predict_every_pixel, write_scene_maps
from hsi.patches import PatchSampler
from hsi.preprocess import FIT_SCOPES, SpectralPCA, fit_pca, fit_pixels_mask, pad_cube
from hsi.report import write_atomically, write_run_report
from hsi.splits import Split, leakage_share, window_overlap_share
from hsi.splits.base import PARTS
from hsi.train import Trainer, save_checkpoint
from hsi.train.interrupt import TrainingInterrupted
from hsi.train.resume import INCOMPLETE_NAME, RESUME_NAME, load_resume_state, save_interrupted_run

log = logging.getLogger(__name__)

CHECKPOINT_NAME = "checkpoint.pt"


def save_split(path: Path, masks: dict[str, np.ndarray]) -> None:
    """The split as boolean masks, reusable with ``split=masks``."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **masks)
    write_atomically(path, buffer.getvalue())


def _instantiate(node: DictConfig, what: str, **kwargs):
    """Hydra's instantiate, with constructor complaints turned into a plain sentence."""
    try:
        return instantiate(node, **kwargs)
    except InstantiationException as exc:
        cause = exc.__cause__ or exc
        if isinstance(cause, UserError):
            raise cause
        raise UserError(f"The {what} config could not be built: {cause}") from exc


def check_preprocess_config(cfg: DictConfig) -> None:
    window = cfg.preprocess.window
    if not isinstance(window, int) or window < 1 or window % 2 == 0:
        raise UserError(
            f"preprocess.window is {window}; it must be an odd whole number so each window "
            "has a centre pixel (the reference uses 25)."
        )
    if cfg.preprocess.fit_scope not in FIT_SCOPES:
        raise UserError(f"preprocess.fit_scope is '{cfg.preprocess.fit_scope}'; choose one of {', '.join(FIT_SCOPES)}.")


def train_and_evaluate(cfg: DictConfig, run_dir: Path, model_name: str = "model") -> dict:
    """Run the whole protocol of ``cfg`` and write its report into ``run_dir``; returns the metrics."""
    run_dir = Path(run_dir)
    started = time.perf_counter()
    check_preprocess_config(cfg)
    pre = cfg.preprocess

    scene = _instantiate(cfg.dataset, "dataset").load()
    log.info("scene %s: %dx%d pixels, %d bands, %d classes", scene.name, *scene.shape, scene.num_bands, scene.num_classes)
    if pre.n_components > scene.num_bands:
        raise UserError(
            f"preprocess.n_components is {pre.n_components} but the scene has only {scene.num_bands} bands; "
            f"choose at most {scene.num_bands}."
        )
    if min(scene.shape) < pre.window:
        raise UserError(
            f"The scene is {scene.shape[0]}x{scene.shape[1]} pixels, smaller than the {pre.window}x{pre.window} "
            "window; use a smaller preprocess.window."
        )
    resume_state = load_resume_state(cfg) if cfg.trainer.get("resume") else None
    if resume_state is not None:  # the interrupted run's own split, to the pixel
        saved = resume_state["split"]
        split = Split(saved["train"].numpy(), saved["val"].numpy(), saved["test"].numpy(),
                      dropped=saved["dropped"].numpy() if "dropped" in saved else np.empty(0, np.int64))
    else:
        split = _instantiate(cfg.split, "split")(scene.gt, seed=cfg.split_seed, class_names=scene.class_names,
                                                 window=pre.window)
    leakage = leakage_share(split, scene.shape, pre.window)
    overlap = window_overlap_share(split, scene.shape, pre.window)
    labelled = int((scene.gt > 0).sum())
    log.info("split: %s, %d labelled pixels dropped by the buffer; %.1f%% of test pixels lie inside a training "
             "window, %.1f%% of test windows overlap one", split.sizes(), len(split.dropped), 100 * leakage,
             100 * overlap)

    trainer: Trainer = _instantiate(cfg.trainer, "trainer")
    torch.use_deterministic_algorithms(bool(cfg.get("deterministic", False)))
    torch.manual_seed(cfg.init_seed)
    model = _instantiate(cfg.model, "model", in_bands=pre.n_components, window=pre.window,
                         num_classes=scene.num_classes)

    fit_mask = fit_pixels_mask(scene.gt, split.mask("train", scene.shape), pre.fit_scope)
    pca = (SpectralPCA.from_state_dict(resume_state["pca"]) if resume_state is not None
           else fit_pca(scene.cube, fit_mask, pre.n_components, whiten=pre.whiten, seed=cfg.split_seed))
    reduced = pca.transform(scene.cube)
    labels = scene.gt.ravel() - 1  # zero-based classes; -1 for unlabelled, never drawn

    padded = None
    own_preprocessing = bool(getattr(model, "wants_raw_spectra", False))  # the SVM: raw spectra, its own scaling
    if isinstance(model, nn.Module):
        padded = pad_cube(reduced, pre.window // 2, pre.padding)
        sampler = PatchSampler(padded, pre.window, scene.shape[1])
        try:
            model = trainer.fit(model, sampler, labels, split, seed=cfg.init_seed,
                                resume_state=resume_state["trainer"] if resume_state is not None else None)
        except TrainingInterrupted as stop:
            save_interrupted_run(run_dir, {
                "format": "hsi-resume-1", "trainer": stop.state, "config": OmegaConf.to_container(cfg, resolve=True),
                "model_name": model_name, "pca": pca.state_dict(),
                "split": {part: torch.from_numpy(getattr(split, part)) for part in (*PARTS, "dropped")},
            }, stop.state["epoch"], trainer.epochs)
            raise RunInterrupted(
                f"Interrupted after epoch {stop.state['epoch']} of {trainer.epochs}; the run is saved in {run_dir}. "
                f"Continue it with: hsi-train trainer.resume={run_dir} (and the same overrides)."
            ) from None
        if not cfg.maps.enabled:
            predicted = trainer.predict(model, sampler, split.test).argmax(1).numpy()
        fit_seconds, history, best_epoch = trainer.train_seconds, trainer.history, trainer.best_epoch
        training = {"epochs": trainer.epochs, "epochs_run": len(history), "batch_size": trainer.batch_size,
                    "precision": trainer.precision, "device": str(trainer.device),
                    "epoch_kept": trainer.selection["rule"], "epoch_kept_because": trainer.selection["reason"]}
        model_state = model.state_dict()
        num_parameters = sum(p.numel() for p in model.parameters())
    else:  # a classifier of single spectra (the SVM baseline): no windows, no epochs
        features = scene.cube.astype(np.float32) if own_preprocessing else reduced
        spectra = features.reshape(-1, features.shape[-1])
        tic = time.perf_counter()
        model.fit(spectra[split.train], labels[split.train])
        fit_seconds = time.perf_counter() - tic
        if not cfg.maps.enabled:
            predicted = model.predict_proba(spectra[split.test]).argmax(1)
        history, best_epoch, model_state, num_parameters = [], None, {}, None
        training = {"classifier": type(model).__name__, **model.chosen}

    scene_prediction = None
    if cfg.maps.enabled:
        # Every pixel once (dense where the model allows); the test metrics read from it.
        precision = trainer.precision if isinstance(model, nn.Module) else "fp32"
        device = trainer.device if isinstance(model, nn.Module) else "cpu"
        full_labels, probabilities, scene_prediction = predict_every_pixel(
            model, reduced if padded is not None else features, padded, pre.window, precision=precision, device=device)
        predicted = full_labels.ravel()[split.test]

    metrics = classification_metrics(labels[split.test], predicted, scene.class_names)
    metrics.update(
        dataset=scene.name,
        model=model_name,
        class_names=scene.class_names,
        split_sizes=split.sizes(),
        split_class_counts=split.class_counts(scene.gt, scene.num_classes),
        split_notes=list(split.notes),
        best_epoch=best_epoch,
        train_seconds=fit_seconds,
        wall_seconds=time.perf_counter() - started,
        num_parameters=num_parameters,
        protocol={
            "split": OmegaConf.to_container(cfg.split, resolve=True),
            "split_seed": cfg.split_seed,
            "init_seed": cfg.init_seed,
            "replicate": int(cfg.get("replicate", 0)),
            "deterministic": bool(cfg.get("deterministic", False)),
            "pca_components": pre.n_components,
            "pca_whiten": pre.whiten,
            "pca_fit_scope": pre.fit_scope,
            "pca_saw_test_pixels": bool(fit_mask.ravel()[split.test].any()) and not own_preprocessing,
            "classifier_own_preprocessing": own_preprocessing,
            "test_pixels_in_training_windows": leakage,
            "test_windows_overlapping_training_windows": overlap,
            "labelled_pixels_dropped": len(split.dropped) / labelled if labelled else 0.0,
            "window": pre.window,
            "padding": pre.padding,
            "training": training,
        },
        environment={"torch": torch.__version__, "python": platform.python_version(),
                     "machine": platform.machine(), "threads": torch.get_num_threads()},
        history=history,
        scene_prediction=scene_prediction,
    )
    save_checkpoint(run_dir / CHECKPOINT_NAME, {
        "format": "hsi-checkpoint-1",
        "model_state": model_state,
        "model_name": model_name,
        "config": OmegaConf.to_container(cfg, resolve=True),
        "pca": pca.state_dict(),
        "class_names": list(scene.class_names),
        "split": {part: torch.from_numpy(getattr(split, part)) for part in (*PARTS, "dropped")},
        "scene_shape": list(scene.shape),
    })
    masks = {part: split.mask(part, scene.shape) for part in ("train", "val", "test")}
    save_split(run_dir / "split.npz", masks)
    for leftover in (RESUME_NAME, INCOMPLETE_NAME):  # a resumed run is complete now
        (run_dir / leftover).unlink(missing_ok=True)
    if cfg.maps.enabled:
        write_scene_maps(run_dir / "maps", scene, full_labels, probabilities, masks, scene.class_names,
                         palette=cfg.maps.palette,
                         title=f"{model_name} on {scene.name}: OA {100 * metrics['overall_accuracy']:.2f}%")
    write_run_report(run_dir, metrics, history)
    if metrics["untested_classes"]:
        log.warning("untested (no test pixel): %s", ", ".join(metrics["untested_classes"]))
    log.info("OA %.2f%%  AA %.2f%% over %d classes  kappa %.4f  -> %s", 100 * metrics["overall_accuracy"],
             100 * (metrics["average_accuracy"] or 0.0), metrics["average_accuracy_classes"], metrics["kappa"], run_dir)
    return metrics
