"""Everything in a run's ``maps/`` folder, from the predicted labels and probabilities of a scene."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hsi.data.scene import Scene
from hsi.maps.confidence import confidence_bands
from hsi.maps.export import export_envi_classification, export_predictions
from hsi.maps.geotiff import export_class_geotiff, export_confidence_geotiff, export_probability_geotiff
from hsi.maps.palette import class_palette
from hsi.maps.render import render_maps, rgb_composite, save_upscaled_image

# The files of a maps folder besides the images render_maps draws (hsi.maps.render names those).
PREDICTION_TIF = "prediction.tif"
PROBABILITIES_TIF = "probabilities.tif"
PREDICTION_ENVI = ("prediction.hdr", "prediction.img")
PREDICTIONS_NPZ = "predictions.npz"
CONFIDENCE_TIF = "confidence.tif"
CONFIDENCE_PNG = "confidence.png"


def write_scene_maps(
    out_dir: Path,
    scene: Scene,
    labels: np.ndarray,
    probabilities: np.ndarray,
    masks: dict[str, np.ndarray] | None,
    class_names: list[str],
    palette="spectral",
    title: str = "",
    own_scene: bool = True,
    probabilities_geotiff: bool = False,
) -> list[Path]:
    """Render and export one scene's predictions into ``out_dir`` (the run's ``maps/``).

    ``class_names`` are the model's classes. On the model's own scene the ground truth shares
    them; another scene (``own_scene`` false) is labelled with its own classes, so its ground
    truth is drawn in its own palette with its own legend. Pixels without data in the input
    (a raster's nodata) get label 0 everywhere. ``prediction.tif`` is the class map as a GeoTIFF
    on the scene's grid; ``confidence.tif`` the top class probability and the normalised entropy
    (two bands) on the same grid, ``confidence.png`` the first as an image; ``probabilities.tif``
    the per-class probabilities, when asked for.
    """
    colours = class_palette(max(len(class_names), scene.num_classes), palette)
    gt_classes = None if own_scene else (scene.class_names, class_palette(scene.num_classes))
    predicted = labels + 1 if scene.valid is None else np.where(scene.valid, labels + 1, 0)
    written = render_maps(
        out_dir,
        scene.gt,
        predicted,
        masks,
        class_names,
        colours,
        rgb_composite(scene.cube, scene.rgb_bands),
        title=title,
        gt_classes=gt_classes,
    )
    header = scene.georef.envi_header() if scene.georef is not None else None
    written.append(export_envi_classification(out_dir / PREDICTION_ENVI[0], predicted, class_names, colours, header))
    written.append(export_predictions(out_dir / PREDICTIONS_NPZ, predicted, probabilities, class_names))
    written.append(export_class_geotiff(out_dir / PREDICTION_TIF, predicted, class_names, colours, scene.georef))
    written += _write_confidence(out_dir, probabilities, scene)
    if probabilities_geotiff:
        written.append(
            export_probability_geotiff(
                out_dir / PROBABILITIES_TIF, probabilities, class_names, scene.georef, scene.valid
            )
        )
    return written


def _write_confidence(out_dir: Path, probabilities: np.ndarray, scene: Scene) -> list[Path]:
    """``confidence.tif`` and ``confidence.png`` from one computation of the bands."""
    sure = confidence_bands(probabilities)
    if scene.valid is not None:
        sure[:, ~scene.valid] = np.nan
    tif = export_confidence_geotiff(out_dir / CONFIDENCE_TIF, sure, scene.georef)
    return [tif, _confidence_image(out_dir / CONFIDENCE_PNG, sure[0])]


def _confidence_image(path: Path, top: np.ndarray) -> Path:
    """The top class probability in a perceptually uniform colour map (viridis: dark is unsure), black without data."""
    from matplotlib import colormaps

    rgb = (colormaps["viridis"](np.nan_to_num(top, nan=0.0))[..., :3] * 255).astype(np.uint8)
    rgb[np.isnan(top)] = 0
    save_upscaled_image(path, rgb)
    return path
