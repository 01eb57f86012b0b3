"""Maps again from a finished run: its checkpoint, the same scene or another with the same bands."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch
from hydra import compose, initialize_config_module
from omegaconf import OmegaConf
from torch import nn

from hsi.errors import UserError
from hsi.experiment import CHECKPOINT_NAME, _instantiate
from hsi.maps.scene_maps import predict_every_pixel, write_scene_maps
from hsi.preprocess import SpectralPCA, pad_cube
from hsi.train import load_checkpoint, resolve_device, resolve_precision

log = logging.getLogger(__name__)


def _dataset_config(saved_cfg, overrides: list[str]):
    """The run's own dataset, or the one the overrides choose (composed from the shipped configs)."""
    if not overrides:
        return saved_cfg.dataset
    bad = [o for o in overrides if not o.lstrip("+~").startswith(("dataset", "data_root"))]
    if bad:
        raise UserError(f"hsi-map takes dataset overrides only (dataset=..., dataset.KEY=..., data_root=...), not {bad[0]}.")
    with initialize_config_module("hsi.configs", version_base="1.3"):
        return compose("train", overrides=overrides).dataset


def render_run(run_dir: Path, overrides: list[str] | None = None, out_dir: Path | None = None,
               precision: str = "auto", device: str = "auto") -> Path:
    """Predict every pixel with the run's checkpoint and write the maps; returns the maps folder."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise UserError(f"{run_dir} is not a folder; give the run folder that hsi-train wrote.")
    checkpoint = load_checkpoint(run_dir / CHECKPOINT_NAME)
    cfg = OmegaConf.create(checkpoint["config"])
    other_scene = bool(overrides)
    scene = _instantiate(_dataset_config(cfg, overrides or []), "dataset").load()
    class_names = list(checkpoint["class_names"])
    pca = SpectralPCA.from_state_dict(checkpoint["pca"])
    reduced = pca.transform(scene.cube)
    window = int(cfg.preprocess.window)

    model = _instantiate(cfg.model, "model", in_bands=pca.num_components, window=window, num_classes=len(class_names))
    padded = None
    torch_device = resolve_device(device)
    if isinstance(model, nn.Module):
        model.load_state_dict(checkpoint["model_state"])
        model.to(torch_device)
        padded = pad_cube(reduced, window // 2, cfg.preprocess.padding)
        resolved = resolve_precision(precision, torch_device)
    else:
        # The SVM keeps no weights in the checkpoint: it is refitted, deterministically, on the
        # run's own training pixels of the run's own scene.
        train_scene = scene if not other_scene else _instantiate(cfg.dataset, "dataset").load()
        spectra = pca.transform(train_scene.cube).reshape(-1, pca.num_components)
        train = checkpoint["split"]["train"].numpy()
        model.fit(spectra[train], train_scene.gt.ravel()[train] - 1)
        resolved = "fp32"
    labels, probabilities, info = predict_every_pixel(model, reduced, padded, window, precision=resolved, device=torch_device)

    masks = None
    if not other_scene:
        shape = tuple(checkpoint["scene_shape"])
        masks = {}
        for part in ("train", "val", "test"):
            mask = np.zeros(shape[0] * shape[1], dtype=bool)
            mask[checkpoint["split"][part].numpy()] = True
            masks[part] = mask.reshape(shape)
    out_dir = Path(out_dir) if out_dir else run_dir / ("maps" if not other_scene else f"maps-{scene.name}")
    write_scene_maps(out_dir, scene, labels, probabilities, masks, class_names,
                     palette=cfg.get("maps", {}).get("palette", "spectral"),
                     title=f"{checkpoint['model_name']} on {scene.name}")
    log.info("maps of %s (%s path, %.2fs) written to %s", scene.name, info["path"], info["seconds"], out_dir)
    metrics_file = run_dir / "metrics.json"
    if not other_scene and out_dir == run_dir / "maps" and metrics_file.is_file():
        import json

        from hsi.pages import write_run_page

        write_run_page(run_dir, json.loads(metrics_file.read_text()))  # the page shows the new maps
    return out_dir
