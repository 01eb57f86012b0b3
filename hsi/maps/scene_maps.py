"""Everything in a run's ``maps/`` folder, from a model and a preprocessed scene."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from hsi.data.scene import Scene
from hsi.maps.export import export_envi_classification, export_predictions
from hsi.maps.palette import class_palette
from hsi.maps.predict import choose_path, predict_scene
from hsi.maps.render import render_maps, rgb_composite

log = logging.getLogger(__name__)


def predict_every_pixel(model, reduced: np.ndarray, padded: torch.Tensor | None, window: int,
                        precision: str = "fp32", device="cpu") -> tuple[np.ndarray, np.ndarray, dict]:
    """Zero-based labels ``(H, W)``, probabilities ``(H, W, K)`` and how they were computed."""
    tic = time.perf_counter()
    if isinstance(model, nn.Module):
        path = choose_path(model)
        labels, probabilities = predict_scene(model, padded, window, path=path, precision=precision, device=device)
        labels, probabilities = labels.numpy(), probabilities.numpy()
    else:  # single-spectrum classifiers
        path = "spectra"
        h, w, k = reduced.shape
        probabilities = model.predict_proba(reduced.reshape(-1, k)).reshape(h, w, -1)
        labels = probabilities.argmax(-1)
    seconds = time.perf_counter() - tic
    log.info("predicted %d pixels in %.2fs (%s path)", labels.size, seconds, path)
    return labels, probabilities, {"path": path, "seconds": seconds, "pixels": int(labels.size)}


def write_scene_maps(
    out_dir: Path,
    scene: Scene,
    labels: np.ndarray,
    probabilities: np.ndarray,
    masks: dict[str, np.ndarray] | None,
    class_names: list[str],
    palette="spectral",
    title: str = "",
) -> list[Path]:
    """Render and export one scene's predictions into ``out_dir`` (the run's ``maps/``).

    ``class_names`` are the model's classes; the scene's own ground truth is drawn in the same
    palette (a scene the model was not trained on may label differently).
    """
    colours = class_palette(max(len(class_names), scene.num_classes), palette)
    predicted = labels + 1
    written = render_maps(out_dir, scene.gt, predicted, masks, class_names, colours,
                          rgb_composite(scene.cube, scene.rgb_bands), title=title)
    written.append(export_envi_classification(out_dir / "prediction.hdr", predicted, class_names, colours))
    written.append(export_predictions(out_dir / "predictions.npz", predicted, probabilities, class_names))
    return written
