"""What a split is, and the measures of how far its test pixels are from its training pixels."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from scipy import ndimage

from hsi.errors import UserError

PARTS = ("train", "val", "test")


@dataclass
class Split:
    """Flat pixel indices (row * width + col) of the three disjoint sets, each sorted.

    ``dropped``: labelled pixels used by no set because they lie inside a training window
    (the buffer of a spatially disjoint split). ``untestable``: one-based classes that this
    split's geometry can never test (they train, and are reported as untested). ``notes``:
    sentences the run log and report repeat (what a mask file held that was not used...).
    """

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray
    dropped: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    untestable: tuple[int, ...] = ()
    notes: tuple[str, ...] = ()

    def mask(self, part: str, shape: tuple[int, int]) -> np.ndarray:
        out = np.zeros(shape[0] * shape[1], dtype=bool)
        out[getattr(self, part)] = True
        return out.reshape(shape)

    def masks(self, shape: tuple[int, int]) -> dict[str, np.ndarray]:
        return {part: self.mask(part, shape) for part in PARTS}

    def state_dict(self) -> dict[str, torch.Tensor]:
        """The saved form (tensors, loadable with ``weights_only``): the pixel indices of every part."""
        return {part: torch.from_numpy(np.asarray(getattr(self, part), dtype=np.int64)) for part in (*PARTS, "dropped")}

    @classmethod
    def from_state_dict(cls, state: dict) -> Split:
        """The split :meth:`state_dict` saved, to the pixel (``dropped`` is absent from the oldest runs)."""
        dropped = state["dropped"].numpy() if "dropped" in state else np.empty(0, np.int64)
        return cls(state["train"].numpy(), state["val"].numpy(), state["test"].numpy(), dropped=dropped)

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.train), "val": len(self.val), "test": len(self.test)}

    def class_counts(self, gt: np.ndarray, num_classes: int) -> dict[str, list[int]]:
        """Per part (and for the dropped pixels), how many pixels of each class, classes 1..num_classes."""
        flat = gt.ravel()
        return {
            part: np.bincount(flat[getattr(self, part)], minlength=num_classes + 1)[1 : num_classes + 1].tolist()
            for part in (*PARTS, "dropped")
        }


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


def window_overlap_share(split: Split, shape: tuple[int, int], window: int) -> float:
    """Share of test pixels whose window overlaps the window of some training pixel.

    Two ``window``-wide squares overlap when their centres are at most ``2 * (window // 2)``
    apart in rows and columns: the leakage measure with a window of side ``4 * (window // 2) + 1``.
    Stricter than :func:`leakage_share`: a test window that shares border pixels with a
    training window counts, though its centre pixel was never seen.
    """
    return leakage_share(split, shape, 4 * (window // 2) + 1)


def block_index(shape: tuple[int, int], block_size: int) -> np.ndarray:
    """``(H, W)`` index of the ``block_size`` square each pixel falls in, row-major over the blocks."""
    rows, cols = np.indices(shape)
    return (rows // block_size) * -(-shape[1] // block_size) + cols // block_size


def class_pixels(gt: np.ndarray) -> dict[int, np.ndarray]:
    """Flat indices of each labelled class (one-based labels as keys)."""
    flat = gt.ravel()
    return {int(k): np.flatnonzero(flat == k) for k in np.unique(flat) if k > 0}


def class_name(k: int, class_names) -> str:
    return class_names[k - 1] if class_names else f"class {k}"


def check_val_fraction(val_fraction: float) -> None:
    if not 0.0 <= val_fraction < 1.0:
        raise UserError(f"split.val_fraction is {val_fraction}; it must lie in [0, 1).")


def check_fractions(train_fraction: float, val_fraction: float) -> None:
    if not 0.0 < train_fraction < 1.0:
        raise UserError(f"split.train_fraction is {train_fraction}; it must lie strictly between 0 and 1.")
    check_val_fraction(val_fraction)
    if train_fraction + val_fraction >= 1.0:
        raise UserError(
            f"split.train_fraction + split.val_fraction = {train_fraction + val_fraction:g}, "
            "which leaves no test pixels; make their sum less than 1."
        )


def assemble(per_class: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> Split:
    train, val, test = (np.sort(np.concatenate([p[i] for p in per_class])) for i in range(3))
    return Split(train, val, test)
