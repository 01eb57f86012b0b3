"""One run from a composed config, as a short sequence of named steps:
load the scene -> split -> preprocess -> fit -> predict -> evaluate -> write.

Every check that can fail on user input runs before the PCA and the training, so a bad
setting costs the user seconds, not a training run. The run holds its model through the
:class:`~hsi.classifiers.Classifier` interface and never asks which kind it is.
"""

from __future__ import annotations

import logging
import platform
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from omegaconf import DictConfig, OmegaConf

import hsi
from hsi.allocator import allocator_settings, use_allocator
from hsi.classifiers import (
    Classifier,
    SceneInputs,
    ScenePrediction,
    as_classifier,
    with_segments,
    with_self_training,
)
from hsi.config import anchor_paths, build, check_preprocess_config, check_scene_fits, split_window
from hsi.data.scene import Scene
from hsi.errors import RunInterrupted
from hsi.evaluate import classification_metrics
from hsi.maps.confidence import reliability_table
from hsi.maps.scene_maps import write_scene_maps
from hsi.pages import write_run_page
from hsi.preprocess import SpectralPCA, fit_pixels_mask, fit_reduction, input_channels
from hsi.provenance import cpu_name, peak_rss_mb, source_commit
from hsi.report import write_run_report
from hsi.run_dir import RunDir
from hsi.splits import Split, leakage_share, window_overlap_share
from hsi.splits.fields import field_record
from hsi.train import Trainer
from hsi.train.interrupt import TrainingInterrupted, ctrl_c_means_stopped

log = logging.getLogger(__name__)


@dataclass
class Prepared:
    """What the steps before fitting produce: the scene, its split, the PCA and the classifier's inputs."""

    scene: Scene
    split: Split
    pca: SpectralPCA
    fit_mask: np.ndarray
    inputs: SceneInputs
    labels: np.ndarray  # zero-based class of every flat pixel; -1 unlabelled (never drawn)
    geometry: dict  # leakage, window overlap, dropped share


def load_scene(cfg: DictConfig) -> Scene:
    scene = build(cfg.dataset, "dataset").load()
    log.info(
        "scene %s: %dx%d pixels, %d bands, %d classes", scene.name, *scene.shape, scene.num_bands, scene.num_classes
    )
    check_scene_fits(cfg, scene)
    return scene


def make_split(cfg: DictConfig, scene: Scene, resume_state: dict | None) -> Split:
    """The configured split, or, when resuming, the interrupted run's own split to the pixel."""
    if resume_state is not None:
        return RunDir.saved_split(resume_state)
    make = build(cfg.split, "split")
    return make(scene.gt, seed=cfg.split_seed, class_names=scene.class_names, window=split_window(cfg))


def split_geometry(split: Split, scene: Scene, window: int) -> dict:
    """How far test pixels are from training windows, and what the buffer cost."""
    labelled = int((scene.gt > 0).sum())
    geometry = {
        "test_pixels_in_training_windows": leakage_share(split, scene.shape, window),
        "test_windows_overlapping_training_windows": window_overlap_share(split, scene.shape, window),
        "labelled_pixels_dropped": len(split.dropped) / labelled if labelled else 0.0,
        **field_record(scene.gt, split, scene.num_classes),
    }
    log.info(
        "split: %s, %d labelled pixels dropped by the buffer; %.1f%% of test pixels lie inside a training "
        "window, %.1f%% of test windows overlap one, %.1f%% lie in a field that also trains",
        split.sizes(),
        len(split.dropped),
        100 * geometry["test_pixels_in_training_windows"],
        100 * geometry["test_windows_overlapping_training_windows"],
        100 * geometry["test_pixels_in_training_fields"],
    )
    return geometry


def make_classifier(cfg: DictConfig, scene: Scene, trainer: Trainer) -> Classifier:
    """The model of ``cfg.model`` with ``trainer``, initialised from ``init_seed``, reading and smoothing by the
    scene's segments where ``cfg.segments`` asks, and fitted again on its own confident pixels where
    ``cfg.self_training`` does."""
    torch.use_deterministic_algorithms(bool(cfg.get("deterministic", False)))
    torch.manual_seed(cfg.init_seed)
    pre = cfg.preprocess
    channels = input_channels(pre.get("reduction", "pca"), pre.n_components, scene.num_bands)
    model = build(cfg.model, "model", in_bands=channels, window=pre.window, num_classes=scene.num_classes)
    classifier = with_segments(as_classifier(model, trainer), cfg.get("segments"))
    return with_self_training(classifier, cfg.get("self_training"))


def prepare(cfg: DictConfig, scene: Scene, split: Split, resume_state: dict | None) -> Prepared:
    """The PCA (fitted on the pixels ``preprocess.fit_scope`` allows, or the interrupted run's) and the inputs."""
    pre = cfg.preprocess
    fit_mask = fit_pixels_mask(scene.gt, split.mask("train", scene.shape), pre.fit_scope)
    pca = (
        SpectralPCA.from_state_dict(resume_state["pca"])
        if resume_state is not None
        else fit_reduction(
            scene.cube, fit_mask, pre.get("reduction", "pca"), pre.n_components, whiten=pre.whiten, seed=cfg.split_seed
        )
    )
    inputs = SceneInputs.from_cube(scene.cube, pca, pre.window, pre.padding, training=True)
    return Prepared(scene, split, pca, fit_mask, inputs, scene.gt.ravel() - 1, split_geometry(split, scene, pre.window))


def fit(
    classifier: Classifier, data: Prepared, cfg: DictConfig, run_dir: RunDir, model_name: str, resume_state: dict | None
) -> None:
    """Train; on Ctrl-C or SIGTERM save what a resume needs and stop with one sentence saying how."""
    try:
        classifier.fit(
            data.inputs,
            data.labels,
            data.split,
            seed=cfg.init_seed,
            resume_state=resume_state["trainer"] if resume_state is not None else None,
        )
    except TrainingInterrupted as stop:
        run_dir.save_interrupted(stop.state, cfg, model_name, data.pca.state_dict(), data.split)
        raise RunInterrupted(
            f"Interrupted after epoch {stop.state['epoch']} of {cfg.trainer.epochs}; the run is saved in "
            f"{run_dir.path}. Continue it with: hsi-train resume={run_dir.path}"
        ) from None


def predict(classifier: Classifier, data: Prepared, whole_scene: bool) -> tuple[np.ndarray, ScenePrediction | None]:
    """Test-pixel predictions; with ``whole_scene``, every pixel once (the test metrics read from it)."""
    if not whole_scene:
        return classifier.predict_pixels(data.inputs, data.split.test), None
    scene_prediction = classifier.predict_scene(data.inputs)
    log.info("classified all %d pixels of the scene in %.2f s", scene_prediction.labels.size, scene_prediction.seconds)
    return scene_prediction.labels.ravel()[data.split.test], scene_prediction


def protocol_record(cfg: DictConfig, data: Prepared, classifier: Classifier) -> dict:
    """Everything a reader needs to judge the figures: split, seeds, preprocessing, leakage, training."""
    pre = cfg.preprocess
    own = classifier.own_preprocessing
    return {
        "split": OmegaConf.to_container(cfg.split, resolve=True),
        "split_seed": cfg.split_seed,
        "init_seed": cfg.init_seed,
        "replicate": int(cfg.get("replicate", 0)),
        "deterministic": bool(cfg.get("deterministic", False)),
        "reduction": pre.get("reduction", "pca"),
        "pca_components": data.pca.num_components,
        "pca_whiten": pre.whiten,
        "pca_fit_scope": pre.fit_scope,
        "pca_saw_test_pixels": bool(data.fit_mask.ravel()[data.split.test].any()) and not own,
        "classifier_own_preprocessing": own,
        **data.geometry,
        "window": pre.window,
        "split_window": split_window(cfg),
        "padding": pre.padding,
        "training": classifier.training_record(),
    }


def _reliability(data: Prepared, scene_prediction: ScenePrediction | None) -> list[dict] | None:
    """Accuracy of the test pixels by confidence, where every pixel's probabilities were predicted (maps on)."""
    if scene_prediction is None or not len(data.split.test):
        return None
    probabilities = scene_prediction.probabilities.reshape(-1, scene_prediction.probabilities.shape[-1])
    return reliability_table(probabilities[data.split.test], data.labels[data.split.test])


def evaluate(
    cfg: DictConfig,
    data: Prepared,
    classifier: Classifier,
    predicted: np.ndarray,
    scene_prediction: ScenePrediction | None,
    model_name: str,
    started: float,
) -> dict:
    """The metrics of the test pixels, with the protocol and environment that produced them."""
    scene, split = data.scene, data.split
    metrics = classification_metrics(data.labels[split.test], predicted, scene.class_names)
    peak_memory = peak_rss_mb()
    if peak_memory is not None:
        log.info("peak memory of this process so far: %.0f MB", peak_memory)
    metrics.update(reliability=_reliability(data, scene_prediction))
    metrics.update(
        dataset=scene.name,
        model=model_name,
        class_names=scene.class_names,
        split_sizes=split.sizes(),
        split_class_counts=split.class_counts(scene.gt, scene.num_classes),
        split_notes=list(split.notes),
        best_epoch=classifier.best_epoch,
        train_seconds=classifier.fit_seconds,
        wall_seconds=time.perf_counter() - started,
        num_parameters=classifier.num_parameters(),
        protocol=protocol_record(cfg, data, classifier),
        environment={
            "hsi": hsi.__version__,
            "source_commit": source_commit(),
            "torch": torch.__version__,
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpu": cpu_name(),
            "threads": torch.get_num_threads(),
            "peak_rss_mb": peak_memory,
            "allocator": allocator_settings(),
        },
        history=classifier.history,
        scene_prediction=scene_prediction.info() if scene_prediction is not None else None,
    )
    return metrics


def write_run(
    run_dir: RunDir,
    cfg: DictConfig,
    data: Prepared,
    classifier: Classifier,
    metrics: dict,
    scene_prediction: ScenePrediction | None,
    model_name: str,
) -> None:
    """Checkpoint, split, maps, report files and page; metrics.json last (its presence marks a finished run)."""
    scene = data.scene
    run_dir.save_checkpoint(classifier.state_dict(), model_name, cfg, data.pca.state_dict(), scene, data.split)
    run_dir.clear_interrupted()  # a resumed run is complete now
    if scene_prediction is not None:
        write_scene_maps(
            run_dir.maps,
            scene,
            scene_prediction.labels,
            scene_prediction.probabilities,
            data.split.masks(scene.shape),
            scene.class_names,
            palette=cfg.maps.palette,
            probabilities_geotiff=bool(cfg.maps.get("probabilities_geotiff", False)),
            title=f"{model_name} on {scene.name}: OA {100 * metrics['overall_accuracy']:.2f}%",
        )
    write_run_report(run_dir.path, metrics, metrics["history"])
    write_run_page(run_dir.path, metrics)
    run_dir.write_metrics(metrics)


def train_and_evaluate(cfg: DictConfig, run_dir: Path, model_name: str = "model") -> dict:
    """Run the whole protocol of ``cfg`` and write its report into ``run_dir``; returns the metrics."""
    run_dir, started = RunDir(run_dir), time.perf_counter()
    with ctrl_c_means_stopped("before training began"):
        check_preprocess_config(cfg)
        anchor_paths(cfg)
        resume_state = RunDir(cfg.resume).load_resume_state(cfg) if cfg.get("resume") else None
        trainer = build(cfg.trainer, "trainer")  # its settings are checked before any data is read
        use_allocator(cfg.get("allocator", "lean"))  # before the run's first tensor
        tracker = build(cfg.logger, "logger") if cfg.get("logger") else None
        scene = load_scene(cfg)
        split = make_split(cfg, scene, resume_state)
        classifier = make_classifier(cfg, scene, trainer)
        data = prepare(cfg, scene, split, resume_state)
    if tracker is not None:
        tracker.start(run_dir.name, OmegaConf.to_container(cfg, resolve=True))
        trainer.listeners.append(tracker.log_epoch)
    try:
        with trainer.thread_limit():
            fit(classifier, data, cfg, run_dir, model_name, resume_state)
        with ctrl_c_means_stopped("after training, while the maps and the report were written"):
            with trainer.thread_limit():
                predicted, scene_prediction = predict(classifier, data, whole_scene=bool(cfg.maps.enabled))
                metrics = evaluate(cfg, data, classifier, predicted, scene_prediction, model_name, started)
            write_run(run_dir, cfg, data, classifier, metrics, scene_prediction, model_name)
    except BaseException:
        if tracker is not None:
            tracker.abort()  # the tracked run ends as failed, so the next job of a sweep starts cleanly
        raise
    if tracker is not None:
        tracker.finish(metrics, run_dir.path)
    if metrics["untested_classes"]:
        log.warning("untested (no test pixel): %s", ", ".join(metrics["untested_classes"]))
    log.info(
        "OA %.2f%%  AA %.2f%% over %d classes  kappa %.4f  -> %s",
        100 * metrics["overall_accuracy"],
        100 * (metrics["average_accuracy"] or 0.0),
        metrics["average_accuracy_classes"],
        metrics["kappa"],
        run_dir.path,
    )
    return metrics
