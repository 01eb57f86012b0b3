"""Building objects from the composed config, with every complaint turned into one plain sentence."""

from __future__ import annotations

from pathlib import Path

from hydra.errors import InstantiationException
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf, open_dict

from hsi.errors import UserError
from hsi.preprocess import check_fit_scope, check_reduction


def build(node: DictConfig, what: str, **kwargs):
    """Hydra's instantiate of ``node``; a constructor's complaint becomes a :class:`UserError` naming ``what``."""
    try:
        return instantiate(node, **kwargs)
    except InstantiationException as exc:
        cause = exc.__cause__ or exc
        if isinstance(cause, UserError):
            raise cause from None
        raise UserError(f"The {what} config could not be built: {cause}") from exc


def check_preprocess_config(cfg: DictConfig) -> None:
    """The window and the PCA's fit scope, checked before any data is read."""
    window = cfg.preprocess.window
    if not isinstance(window, int) or window < 1 or window % 2 == 0:
        raise UserError(
            f"preprocess.window is {window}; it must be an odd whole number so each window "
            "has a centre pixel (the reference uses 25)."
        )
    check_fit_scope(cfg.preprocess.fit_scope)
    check_reduction(cfg.preprocess.get("reduction", "pca"))
    segments = cfg.get("segments") or {}
    if cfg.preprocess.get("reduction", "pca") == "bands" and (segments.get("size") or segments.get("input_size")):
        raise UserError(
            "segments follow the run's PCA image, which preprocess.reduction=bands does not make; "
            "drop segments.size and segments.input_size, or use preprocess.reduction=pca."
        )
    given = cfg.get("split_window")
    if given is not None and (isinstance(given, bool) or not isinstance(given, int) or given % 2 == 0):
        raise UserError(f"split_window is {given}; give an odd whole number, or null for preprocess.window.")
    if given is not None and given < window:
        raise UserError(
            f"split_window is {given}, smaller than the {window}x{window} windows the model reads, whose "
            "edges would then reach training pixels; give at least preprocess.window, or null."
        )


def split_window(cfg: DictConfig) -> int:
    """The window whose reach the split's buffer keeps out: ``split_window``, else ``preprocess.window``."""
    return cfg.get("split_window") or cfg.preprocess.window


def check_scene_fits(cfg: DictConfig, scene) -> None:
    """The PCA size and the window against the scene's bands and size."""
    pre = cfg.preprocess
    if pre.get("reduction", "pca") == "pca" and pre.n_components > scene.num_bands:
        raise UserError(
            f"preprocess.n_components is {pre.n_components} but the scene has only {scene.num_bands} bands; "
            f"choose at most {scene.num_bands}."
        )
    if min(scene.shape) < pre.window:
        raise UserError(
            f"The scene is {scene.shape[0]}x{scene.shape[1]} pixels, smaller than the {pre.window}x{pre.window} "
            "window; use a smaller preprocess.window."
        )


def anchor_paths(cfg: DictConfig) -> None:
    """Make the data root and every file path of the dataset and split absolute, in place.

    The run's saved config (checkpoint, report) then names the files the run read, so
    ``hsi-map RUN`` works from any folder instead of looking for ``data/`` where it is started.
    """
    with open_dict(cfg):
        cfg.data_root = str(Path(cfg.data_root).expanduser().absolute())
        for group in ("dataset", "split"):
            node = cfg.get(group)
            for key in list(node.keys()) if node is not None else []:
                value = node[key] if not OmegaConf.is_missing(node, key) else None
                if isinstance(value, str) and value and (key.endswith(("_path", "_mask")) or key == "root"):
                    node[key] = str(Path(value).expanduser().absolute())


def dotted(node, prefix: str = "") -> dict:
    """``{"trainer.epochs": 30, ...}``: a nested dict's leaves under dotted keys (lists are leaves)."""
    if not isinstance(node, dict):
        return {prefix[:-1]: node}
    out = {}
    for key, value in node.items():
        out.update(dotted(value, f"{prefix}{key}."))
    return out
