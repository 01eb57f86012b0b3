"""Maps again from a finished run: its checkpoint, the same scene or another with the same bands."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from hydra import compose, initialize_config_module
from omegaconf import OmegaConf

from hsi.classifiers import SceneInputs, as_classifier
from hsi.config import build
from hsi.errors import UserError
from hsi.maps.scene_maps import write_scene_maps
from hsi.preprocess import SpectralPCA
from hsi.train import load_checkpoint, resolve_device, resolve_precision
from hsi.train.checkpoint import CHECKPOINT_NAME

log = logging.getLogger(__name__)


def _dataset_config(saved_cfg, overrides: list[str]):
    """The run's own dataset, or the one the overrides choose (composed from the shipped configs)."""
    if not overrides:
        return saved_cfg.dataset
    bad = [o for o in overrides if not o.lstrip("+~").startswith(("dataset", "data_root"))]
    if bad:
        raise UserError(
            f"hsi-map takes dataset overrides only (dataset=..., dataset.KEY=..., data_root=...), not {bad[0]}."
        )
    with initialize_config_module("hsi.configs", version_base="1.3"):
        return compose("train", overrides=overrides).dataset


def _saved_masks(checkpoint: dict) -> dict[str, np.ndarray]:
    shape = tuple(checkpoint["scene_shape"])
    masks = {}
    for part in ("train", "val", "test"):
        mask = np.zeros(shape[0] * shape[1], dtype=bool)
        mask[checkpoint["split"][part].numpy()] = True
        masks[part] = mask.reshape(shape)
    return masks


def _load_classifier(checkpoint: dict, cfg, num_components: int, precision: str, device: str):
    """The run's model with its saved state, ready to predict."""
    class_names = list(checkpoint["class_names"])
    model = build(
        cfg.model, "model", in_bands=num_components, window=int(cfg.preprocess.window), num_classes=len(class_names)
    )
    torch_device = resolve_device(device)
    classifier = as_classifier(
        model,
        precision=resolve_precision(precision, torch_device),
        device=torch_device,
        tta=bool(cfg.get("trainer", {}).get("tta", False)),  # predict as the run evaluated
    )
    if not checkpoint["model_state"]:
        raise UserError(
            "This run's checkpoint holds no fitted model (an SVM run of an hsi older than 0.2 saved "
            "none); train it again to render its maps."
        )
    classifier.load_state_dict(checkpoint["model_state"])
    return classifier


def load_run_classifier(run_dir: Path, precision: str = "auto", device: str = "auto"):
    """``(classifier, checkpoint, config)`` of a finished run, ready to predict."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise UserError(f"{run_dir} is not a folder; give the run folder that hsi-train wrote.")
    checkpoint = load_checkpoint(run_dir / CHECKPOINT_NAME)
    cfg = OmegaConf.create(checkpoint["config"])
    pca_components = int(checkpoint["pca"]["components"].shape[0])
    return _load_classifier(checkpoint, cfg, pca_components, precision, device), checkpoint, cfg


def render_run(
    run_dir: Path,
    overrides: list[str] | None = None,
    out_dir: Path | None = None,
    precision: str = "auto",
    device: str = "auto",
) -> Path:
    """Predict every pixel with the run's checkpoint and write the maps; returns the maps folder."""
    run_dir = Path(run_dir)
    classifier, checkpoint, cfg = load_run_classifier(run_dir, precision, device)
    other_scene = bool(overrides)
    scene = build(_dataset_config(cfg, overrides or []), "dataset").load()
    pca = SpectralPCA.from_state_dict(checkpoint["pca"])
    inputs = SceneInputs(pca.transform(scene.cube), scene.cube, int(cfg.preprocess.window), cfg.preprocess.padding)
    prediction = classifier.predict_scene(inputs)

    out_dir = _output_folder(run_dir, out_dir, scene.name if other_scene else None)
    write_scene_maps(
        out_dir,
        scene,
        prediction.labels,
        prediction.probabilities,
        None if other_scene else _saved_masks(checkpoint),
        list(checkpoint["class_names"]),
        palette=cfg.get("maps", {}).get("palette", "spectral"),
        title=f"{checkpoint['model_name']} on {scene.name}",
        own_scene=not other_scene,
    )
    log.info("maps of %s (%s path, %.2fs) written to %s", scene.name, prediction.path, prediction.seconds, out_dir)
    return out_dir


def _output_folder(run_dir: Path, out_dir: Path | None, other_scene: str | None) -> Path:
    """Beside the run, never inside it (a finished run folder is never changed), and never over existing files."""
    if out_dir is None:
        out_dir = run_dir.parent / (f"{run_dir.name}-maps" + (f"-{other_scene}" if other_scene else ""))
    out_dir = Path(out_dir)
    if out_dir.resolve().is_relative_to(run_dir.resolve()):
        raise UserError(
            f"{out_dir} is inside the run folder {run_dir}, which is never changed after the run; "
            "give --out a folder outside it."
        )
    if out_dir.exists() and any(out_dir.iterdir()):
        raise UserError(f"{out_dir} exists and is not empty; give --out a new folder (nothing is overwritten).")
    return out_dir
