"""Classification maps as images: ground truth, predictions, errors, a false-colour composite, one overview."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import spectral
from matplotlib.image import imsave
from matplotlib.patches import Patch

from hsi.files import new_figure, save_figure, write_atomically
from hsi.maps.palette import colourise

# Error map colours: why each pixel has its colour is spelled out in the legend.
ERROR_COLOURS = {
    "unlabelled": (255, 255, 255),
    "test, correct": (46, 160, 67),
    "test, wrong": (215, 38, 61),
    "training": (31, 119, 180),
    "validation": (160, 160, 160),
}


def rgb_composite(cube: np.ndarray, bands: tuple[int, int, int] | None) -> np.ndarray:
    """False-colour composite ``(H, W, 3)`` in [0, 1] from three bands, contrast-stretched by `spectral`."""
    if bands is None:  # no usual bands known: spread three over the spectrum
        b = cube.shape[2]
        bands = (int(b * 0.75), int(b * 0.5), int(b * 0.25))
    return np.clip(spectral.get_rgb(cube, bands=tuple(int(x) for x in bands)), 0, 1)


def error_image(gt: np.ndarray, predicted: np.ndarray, masks: dict[str, np.ndarray]) -> np.ndarray:
    """Every test pixel green (correct) or red (wrong); training blue, validation grey, the rest white."""
    out = np.empty(gt.shape + (3,), dtype=np.uint8)
    out[:] = ERROR_COLOURS["unlabelled"]
    correct = predicted == gt
    out[masks["test"] & correct] = ERROR_COLOURS["test, correct"]
    out[masks["test"] & ~correct] = ERROR_COLOURS["test, wrong"]
    out[masks["train"]] = ERROR_COLOURS["training"]
    out[masks["val"]] = ERROR_COLOURS["validation"]
    return out


SPLIT_COLOURS = {"training": (31, 119, 180), "validation": (255, 187, 0), "test": (160, 160, 160)}


def split_image(gt: np.ndarray, masks: dict[str, np.ndarray]) -> np.ndarray:
    """Training pixels blue, validation amber, test grey, the rest white."""
    out = np.full(gt.shape + (3,), 255, dtype=np.uint8)
    for part, name in (("test", "test"), ("val", "validation"), ("train", "training")):
        out[masks[part]] = SPLIT_COLOURS[name]
    return out


def save_upscaled_image(path: Path, image: np.ndarray, min_side: int = 435) -> None:
    """Save at an integer upscale (nearest neighbour) so small scenes stay legible pixel by pixel."""
    scale = max(1, -(-min_side // min(image.shape[:2])))
    big = np.repeat(np.repeat(image, scale, axis=0), scale, axis=1)
    buffer = io.BytesIO()
    imsave(buffer, big, format="png")
    write_atomically(path, buffer.getvalue())


def _save_split_figure(path: Path, image: np.ndarray, masks: dict[str, np.ndarray]) -> None:
    fig = new_figure(figsize=(5.5, 6))
    ax = fig.subplots()
    ax.imshow(image, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    counts = {"training": masks["train"].sum(), "validation": masks["val"].sum(), "test": masks["test"].sum()}
    ax.set_title("Which pixels train, validate and test")
    ax.legend(
        handles=[
            Patch(
                facecolor=np.array(c) / 255, edgecolor="black", linewidth=0.4, label=f"{name} ({counts[name]} pixels)"
            )
            for name, c in SPLIT_COLOURS.items()
        ],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.02),
        ncol=2,
        fontsize=8,
        frameon=False,
    )
    save_figure(fig, path)


def _overview_figure(panels: dict, class_names: list[str], colours: np.ndarray, with_errors: bool):
    """Every panel side by side, the class legend below, the error legend under the error map."""
    legend_rows = -(-len(class_names) // 4)
    fig = new_figure(figsize=(3.6 * len(panels), 4.4 + 0.22 * legend_rows), layout="constrained")
    axes = fig.subplots(1, len(panels))
    for ax, (panel_title, image) in zip(axes, panels.values(), strict=True):
        ax.imshow(image, interpolation="nearest")
        ax.set_title(panel_title, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    class_handles = [
        Patch(facecolor=colours[k + 1] / 255, edgecolor="black", linewidth=0.4, label=f"{k + 1} {name}")
        for k, name in enumerate(class_names)
    ]
    fig.legend(
        handles=class_handles, loc="outside lower center", ncol=min(4, len(class_handles)), fontsize=8, frameon=False
    )
    if with_errors:
        error_handles = [
            Patch(facecolor=np.array(c) / 255, edgecolor="black", linewidth=0.4, label=label)
            for label, c in ERROR_COLOURS.items()
        ]
        axes[-1].legend(
            handles=error_handles, loc="upper center", bbox_to_anchor=(0.5, -0.02), fontsize=7, frameon=False, ncol=2
        )
    return fig


def _legend_under(ax, names: list[str], colours: np.ndarray) -> None:
    handles = [
        Patch(facecolor=colours[k + 1] / 255, edgecolor="black", linewidth=0.4, label=f"{k + 1} {name}")
        for k, name in enumerate(names)
    ]
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.02),
        fontsize=7,
        frameon=False,
        ncol=2,
        title="ground truth classes",
        title_fontsize=7,
    )


def render_maps(
    out_dir: Path,
    gt: np.ndarray,
    predicted: np.ndarray,
    masks: dict[str, np.ndarray] | None,
    class_names: list[str],
    colours: np.ndarray,
    rgb: np.ndarray,
    title: str = "",
    gt_classes: tuple[list[str], np.ndarray] | None = None,
) -> list[Path]:
    """Write the map images and ``overview.png`` into ``out_dir``; returns the paths written.

    ``gt`` and ``predicted`` hold labels 1..K (0 = unlabelled in ``gt``). ``masks`` (train,
    val, test) may be None for a scene the model was not trained on: no error map then.
    ``gt_classes`` (names, colours): the ground truth's own classes, for a scene labelled with
    other classes than the model's; the ground truth is then drawn, and explained, in those.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    panels = {
        "false_colour": ("False-colour composite", rgb),
        "ground_truth": ("Ground truth", colourise(gt, colours if gt_classes is None else gt_classes[1])),
        "prediction": ("Prediction, every pixel", colourise(predicted, colours)),
        "prediction_labelled": ("Prediction, labelled pixels", colourise(np.where(gt > 0, predicted, 0), colours)),
    }
    if masks is not None:
        panels["errors"] = ("Errors on test pixels", error_image(gt, predicted, masks))
    written = []
    for name, (_, image) in panels.items():
        save_upscaled_image(out_dir / f"{name}.png", image)
        written.append(out_dir / f"{name}.png")
    if masks is not None:
        _save_split_figure(out_dir / "split.png", split_image(gt, masks), masks)
        written.append(out_dir / "split.png")

    fig = _overview_figure(panels, class_names, colours, with_errors=masks is not None)
    if gt_classes is not None:  # the scene's own classes, under its ground truth
        _legend_under(fig.axes[1], *gt_classes)
    if title:
        fig.suptitle(title, fontsize=12)
    save_figure(fig, out_dir / "overview.png")
    written.append(out_dir / "overview.png")
    return written
