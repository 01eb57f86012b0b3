"""Which labelled pixels train, validate and test.

Every split is stratified: each class is split on its own, so rare classes (Indian Pines has
classes of 20 and 28 pixels) keep at least one training and one test pixel, or the split
fails with a message naming the class.
"""

from __future__ import annotations

from dataclasses import dataclass

import logging

import numpy as np
from scipy import ndimage

from hsi.errors import UserError

log = logging.getLogger(__name__)


@dataclass
class Split:
    """Flat pixel indices (row * width + col) of the three disjoint sets, each sorted."""

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray

    def mask(self, part: str, shape: tuple[int, int]) -> np.ndarray:
        out = np.zeros(shape[0] * shape[1], dtype=bool)
        out[getattr(self, part)] = True
        return out.reshape(shape)

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.train), "val": len(self.val), "test": len(self.test)}


def inside_training_windows(train_mask: np.ndarray, window: int) -> np.ndarray:
    """Pixels that lie inside the ``window x window`` patch of at least one training pixel.

    A pixel p is in the window of a training pixel t when max(|dr|, |dc|) <= window // 2,
    so this is the training mask dilated by a square of side ``window``.
    """
    if window <= 1:
        return train_mask.astype(bool)
    return ndimage.maximum_filter(train_mask.astype(np.uint8), size=window, mode="constant") > 0


def leakage_share(split: Split, shape: tuple[int, int], window: int) -> float:
    """Share of test pixels that some training window contains (0 for an honest split)."""
    if not len(split.test):
        return 0.0
    covered = inside_training_windows(split.mask("train", shape), window).ravel()
    return float(covered[split.test].mean())


def _class_pixels(gt: np.ndarray) -> dict[int, np.ndarray]:
    flat = gt.ravel()
    return {int(k): np.flatnonzero(flat == k) for k in np.unique(flat) if k > 0}


def _check_val_fraction(val_fraction: float) -> None:
    if not 0.0 <= val_fraction < 1.0:
        raise UserError(f"split.val_fraction is {val_fraction}; it must lie in [0, 1).")


def _check_fractions(train_fraction: float, val_fraction: float) -> None:
    if not 0.0 < train_fraction < 1.0:
        raise UserError(f"split.train_fraction is {train_fraction}; it must lie strictly between 0 and 1.")
    _check_val_fraction(val_fraction)
    if train_fraction + val_fraction >= 1.0:
        raise UserError(
            f"split.train_fraction + split.val_fraction = {train_fraction + val_fraction:g}, "
            "which leaves no test pixels; make their sum less than 1."
        )


def _name(k: int, class_names) -> str:
    return class_names[k - 1] if class_names else f"class {k}"


def _assemble(per_class: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> Split:
    train, val, test = (np.sort(np.concatenate([p[i] for p in per_class])) for i in range(3))
    return Split(train, val, test)


def stratified_fraction_split(
    gt: np.ndarray, seed: int, train_fraction: float = 0.1, val_fraction: float = 0.05, class_names=None,
    window: int = 1,
) -> Split:
    """Random stratified split: ``train_fraction`` of each class trains, ``val_fraction`` validates.

    The rest tests. Counts are rounded per class, with at least one training pixel per class.
    (``window`` is accepted like every split takes it; random splits ignore it.)
    """
    _check_fractions(train_fraction, val_fraction)
    rng = np.random.default_rng(seed)
    parts = []
    for k, pixels in _class_pixels(gt).items():
        n = len(pixels)
        n_train = max(1, int(round(train_fraction * n)))
        n_val = int(round(val_fraction * n))
        if n_train + n_val >= n:
            name = _name(k, class_names)
            raise UserError(
                f"Class {k} ({name}) has only {n} labelled pixels, too few for {n_train} training "
                f"and {n_val} validation pixels plus one test pixel; lower split.train_fraction "
                "or split.val_fraction."
            )
        order = rng.permutation(pixels)
        parts.append((order[:n_train], order[n_train:n_train + n_val], order[n_train + n_val:]))
    return _assemble(parts)


def per_class_count_split(
    gt: np.ndarray, seed: int, train_per_class: int = 20, val_fraction: float = 0.05, class_names=None,
    window: int = 1,
) -> Split:
    """``train_per_class`` random training pixels from every class; ``val_fraction`` of the rest validates."""
    if train_per_class < 1:
        raise UserError(f"split.train_per_class is {train_per_class}; it must be at least 1.")
    _check_val_fraction(val_fraction)
    rng = np.random.default_rng(seed)
    parts = []
    for k, pixels in _class_pixels(gt).items():
        n = len(pixels)
        n_val = int(round(val_fraction * n))
        if train_per_class + n_val >= n:
            name = _name(k, class_names)
            raise UserError(
                f"Class {k} ({name}) has only {n} labelled pixels, too few for {train_per_class} "
                f"training and {n_val} validation pixels plus one test pixel; lower split.train_per_class."
            )
        order = rng.permutation(pixels)
        parts.append((order[:train_per_class], order[train_per_class:train_per_class + n_val],
                      order[train_per_class + n_val:]))
    return _assemble(parts)


def spatially_disjoint_split(
    gt: np.ndarray, seed: int, train_fraction: float = 0.1, val_fraction: float = 0.05, block_size: int = 16,
    class_names=None, window: int = 25,
) -> Split:
    """Whole blocks of the scene train or test, and no test pixel lies inside a training window.

    The scene is cut into ``block_size`` squares. For each class, the blocks holding its pixels
    are shuffled and handed to training until ``train_fraction`` of the class is covered (at
    least one block, and never all of them), then to validation until ``val_fraction`` is; its
    pixels in the remaining blocks test. A class that lies in a single block is cut into two
    spatially contiguous parts along its longer side instead. Finally every validation or test
    pixel within ``window // 2`` (in rows and columns) of any training pixel is dropped, so no
    evaluation pixel is seen inside a training patch. A class too small to keep any test pixel
    after that (Indian Pines' Oats with 25x25 windows) trains but is not tested; the log says
    so and its test support is 0. After Nalepa, Myller, Kawulok, "Validating Hyperspectral
    Image Segmentation", IEEE GRSL 16(8), 2019.
    """
    _check_fractions(train_fraction, val_fraction)
    if block_size < 1:
        raise UserError(f"split.block_size is {block_size}; it must be at least 1 pixel.")
    rng = np.random.default_rng(seed)
    width = gt.shape[1]
    rows, cols = np.indices(gt.shape)
    block_id = ((rows // block_size) * (-(-width // block_size)) + cols // block_size).ravel()
    flat_gt = gt.ravel()
    parts = []
    for k, pixels in _class_pixels(gt).items():
        if len(pixels) < 2:
            name = _name(k, class_names)
            raise UserError(f"Class {k} ({name}) has a single labelled pixel; it cannot both train and test.")
        blocks = rng.permutation(np.unique(block_id[pixels]))
        if len(blocks) >= 2:
            rank = {b: i for i, b in enumerate(blocks)}
            order = np.array([rank[b] for b in block_id[pixels]])
            covered = np.cumsum(np.bincount(order, minlength=len(blocks)))

            def blocks_for(fraction: float) -> int:
                """How many blocks bring the covered share closest to ``fraction`` (at least one)."""
                return int(np.argmin(np.abs(covered - fraction * len(pixels)))) + 1

            n_train = min(blocks_for(train_fraction), len(blocks) - 1)
            n_val = n_train
            if val_fraction > 0:
                n_val = max(n_train, min(blocks_for(train_fraction + val_fraction), len(blocks) - 1))
            parts.append((pixels[order < n_train], pixels[(order >= n_train) & (order < n_val)], pixels[order >= n_val]))
        else:  # one block: a contiguous cut along the class's longer side
            r, c = np.divmod(pixels, width)
            along = r if np.ptp(r) >= np.ptp(c) else c
            ordered = pixels[np.argsort(along * width + (c if along is r else r), kind="stable")]
            if rng.random() < 0.5:
                ordered = ordered[::-1]
            n_train = max(1, min(len(ordered) - 1, int(round(train_fraction * len(ordered)))))
            n_val = min(len(ordered) - 1, n_train + int(round(val_fraction * len(ordered))))
            parts.append((ordered[:n_train], ordered[n_train:n_val], ordered[n_val:]))
    split = _assemble(parts)
    near_training = inside_training_windows(split.mask("train", gt.shape), window).ravel()
    split = Split(split.train, split.val[~near_training[split.val]], split.test[~near_training[split.test]])
    untested = [k for k in _class_pixels(gt) if not (flat_gt[split.test] == k).any()]
    if untested:
        names = ", ".join(_name(k, class_names) for k in untested)
        log.warning("no test pixel of %s lies outside every training window: trained on, not tested", names)
    return split


def _read_mask(path: str, key: str | None, shape: tuple[int, int], what: str) -> np.ndarray:
    from pathlib import Path

    from hsi.data.mat import load_mat_array

    file = Path(path).expanduser()
    if not file.is_file():
        raise UserError(f"The {what} mask file {file} does not exist; check split.{what}_mask.")
    if file.suffix == ".npy":
        mask = np.load(file)
    elif file.suffix == ".npz":
        with np.load(file) as data:
            if (key or what) not in data:
                raise UserError(f"{file} holds no array '{key or what}' (it has: {', '.join(data.files)}).")
            mask = data[key or what]
    else:
        mask = load_mat_array(file, key or what)
    if mask.shape != shape:
        raise UserError(f"The {what} mask in {file} is {mask.shape[0]}x{mask.shape[1]} but the scene is "
                        f"{shape[0]}x{shape[1]}; use a mask made for this scene.")
    return mask != 0


def mask_split(
    gt: np.ndarray, seed: int, train_mask: str, test_mask: str, val_mask: str | None = None,
    key: str | None = None, class_names=None, window: int = 1,
) -> Split:
    """A fixed split from files (.npy, .npz or .mat; nonzero = in the set), e.g. a published one.

    A run's own ``split.npz`` (arrays ``train``, ``val``, ``test``) reproduces that run's split:
    ``split=masks split.train_mask=RUN/split.npz split.val_mask=RUN/split.npz split.test_mask=RUN/split.npz``.
    Unlabelled pixels are never used, whatever the masks say.
    """
    masks = {"train": _read_mask(train_mask, key, gt.shape, "train"),
             "test": _read_mask(test_mask, key, gt.shape, "test")}
    masks["val"] = _read_mask(val_mask, key, gt.shape, "val") if val_mask else np.zeros(gt.shape, bool)
    labelled = gt > 0
    sets = {part: np.flatnonzero((m & labelled).ravel()) for part, m in masks.items()}
    for a, b in (("train", "test"), ("train", "val"), ("val", "test")):
        if np.intersect1d(sets[a], sets[b]).size:
            raise UserError(f"The {a} and {b} masks share labelled pixels; a pixel may belong to one set only.")
    trained = np.unique(gt.ravel()[sets["train"]])
    missing = sorted(set(np.unique(gt[labelled]).tolist()) - set(trained.tolist()))
    if missing:
        names = ", ".join(_name(k, class_names) for k in missing)
        raise UserError(f"The training mask holds no pixel of {names}; every class needs training pixels.")
    return Split(sets["train"], sets["val"], sets["test"])
