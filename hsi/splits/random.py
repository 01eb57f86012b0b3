"""Random splits: each class is split on its own, so rare classes keep training and test pixels.

Indian Pines has classes of 20 and 28 pixels: every class keeps at least one training and one
test pixel, or the split fails with a message naming the class.
"""

from __future__ import annotations

import numpy as np

from hsi.errors import UserError
from hsi.splits.base import Split, assemble, check_fractions, check_val_fraction, class_name, class_pixels


def _random_parts(gt: np.ndarray, seed: int, counts, class_names, lower: str) -> Split:
    """Each class shuffled on its own and cut into ``counts(n) = (n_train, n_val)`` pixels; the rest tests."""
    rng = np.random.default_rng(seed)
    parts = []
    for k, pixels in class_pixels(gt).items():
        n = len(pixels)
        n_train, n_val = counts(n)
        if n_train + n_val >= n:
            raise UserError(
                f"Class {k} ({class_name(k, class_names)}) has only {n} labelled pixels, too few for {n_train} "
                f"training and {n_val} validation pixels plus one test pixel; lower {lower}."
            )
        order = rng.permutation(pixels)
        parts.append((order[:n_train], order[n_train : n_train + n_val], order[n_train + n_val :]))
    return assemble(parts)


def stratified_fraction_split(
    gt: np.ndarray,
    seed: int,
    train_fraction: float = 0.1,
    val_fraction: float = 0.05,
    class_names=None,
    window: int = 1,
) -> Split:
    """Random stratified split: ``train_fraction`` of each class trains, ``val_fraction`` validates.

    The rest tests. Counts are rounded per class, with at least one training pixel per class.
    (``window`` is accepted like every split takes it; random splits ignore it.)
    """
    check_fractions(train_fraction, val_fraction)
    return _random_parts(
        gt,
        seed,
        lambda n: (max(1, int(round(train_fraction * n))), int(round(val_fraction * n))),
        class_names,
        "split.train_fraction or split.val_fraction",
    )


def per_class_count_split(
    gt: np.ndarray,
    seed: int,
    train_per_class: int = 20,
    val_fraction: float = 0.05,
    class_names=None,
    window: int = 1,
) -> Split:
    """``train_per_class`` random training pixels from every class; ``val_fraction`` of the rest validates."""
    if train_per_class < 1:
        raise UserError(f"split.train_per_class is {train_per_class}; it must be at least 1.")
    check_val_fraction(val_fraction)
    return _random_parts(
        gt, seed, lambda n: (train_per_class, int(round(val_fraction * n))), class_names, "split.train_per_class"
    )
