"""Which labelled pixels train, validate and test.

Every split is stratified: each class is split on its own, so rare classes (Indian Pines has
classes of 20 and 28 pixels) keep at least one training and one test pixel, or the split
fails with a message naming the class.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hsi.errors import UserError


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


def _class_pixels(gt: np.ndarray) -> dict[int, np.ndarray]:
    flat = gt.ravel()
    return {int(k): np.flatnonzero(flat == k) for k in np.unique(flat) if k > 0}


def _check_val_fraction(val_fraction: float) -> None:
    if not 0.0 <= val_fraction < 1.0:
        raise UserError(f"split.val_fraction is {val_fraction}; it must lie in [0, 1).")


def _assemble(per_class: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> Split:
    train, val, test = (np.sort(np.concatenate([p[i] for p in per_class])) for i in range(3))
    return Split(train, val, test)


def stratified_fraction_split(
    gt: np.ndarray, seed: int, train_fraction: float = 0.1, val_fraction: float = 0.05, class_names=None
) -> Split:
    """Random stratified split: ``train_fraction`` of each class trains, ``val_fraction`` validates.

    The rest tests. Counts are rounded per class, with at least one training pixel per class.
    """
    if not 0.0 < train_fraction < 1.0:
        raise UserError(f"split.train_fraction is {train_fraction}; it must lie strictly between 0 and 1.")
    _check_val_fraction(val_fraction)
    if train_fraction + val_fraction >= 1.0:
        raise UserError(
            f"split.train_fraction + split.val_fraction = {train_fraction + val_fraction:g}, "
            "which leaves no test pixels; make their sum less than 1."
        )
    rng = np.random.default_rng(seed)
    parts = []
    for k, pixels in _class_pixels(gt).items():
        n = len(pixels)
        n_train = max(1, int(round(train_fraction * n)))
        n_val = int(round(val_fraction * n))
        if n_train + n_val >= n:
            name = class_names[k - 1] if class_names else f"class {k}"
            raise UserError(
                f"Class {k} ({name}) has only {n} labelled pixels, too few for {n_train} training "
                f"and {n_val} validation pixels plus one test pixel; lower split.train_fraction "
                "or split.val_fraction."
            )
        order = rng.permutation(pixels)
        parts.append((order[:n_train], order[n_train:n_train + n_val], order[n_train + n_val:]))
    return _assemble(parts)


def per_class_count_split(
    gt: np.ndarray, seed: int, train_per_class: int = 20, val_fraction: float = 0.05, class_names=None
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
            name = class_names[k - 1] if class_names else f"class {k}"
            raise UserError(
                f"Class {k} ({name}) has only {n} labelled pixels, too few for {train_per_class} "
                f"training and {n_val} validation pixels plus one test pixel; lower split.train_per_class."
            )
        order = rng.permutation(pixels)
        parts.append((order[:train_per_class], order[train_per_class:train_per_class + n_val],
                      order[train_per_class + n_val:]))
    return _assemble(parts)
