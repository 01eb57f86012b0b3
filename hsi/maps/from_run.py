"""Maps again from a finished run: its checkpoint, the same scene or another with the same bands."""

from __future__ import annotations

import logging
from pathlib import Path

from hydra import compose, initialize_config_module

from hsi.config import build
from hsi.ensemble import load_members
from hsi.errors import UserError
from hsi.maps.scene_maps import write_scene_maps

log = logging.getLogger(__name__)


def dataset_config(saved_cfg, overrides: list[str]):
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


def render_run(
    run_dir: Path,
    overrides: list[str] | None = None,
    out_dir: Path | None = None,
    precision: str = "auto",
    device: str = "auto",
) -> Path:
    """Predict every pixel with the run's checkpoint (or a sweep's runs, averaged) and write the maps;
    returns the maps folder."""
    run_dir = Path(run_dir)
    members = load_members(run_dir, precision, device)
    run = members.first
    other_scene = bool(overrides)
    scene = build(dataset_config(run.config, overrides or []), "dataset").load()
    prediction = members.predict_scene(scene.cube)

    out_dir = _output_folder(run_dir, out_dir, scene.name if other_scene else None)
    write_scene_maps(
        out_dir,
        scene,
        prediction.labels,
        prediction.probabilities,
        None if other_scene else members.shared_masks(),
        run.class_names,
        palette=run.config.get("maps", {}).get("palette", "spectral"),
        title=f"{members.name} on {scene.name}",
        own_scene=not other_scene,
    )
    log.info("maps of %s (%.2f s to classify) written to %s", scene.name, prediction.seconds, out_dir)
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
