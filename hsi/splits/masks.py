"""A fixed split from mask files, such as a published one or a run's own ``split.npz``.

A mask is nonzero where a pixel belongs to the set. Published splits often store class labels
in their masks (``TRLabel``/``TSLabel`` in two .mat files): those labels are checked against
the scene's ground truth, and every mask pixel that the ground truth leaves unlabelled, or
labels otherwise, is counted and reported.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from hsi.errors import UserError
from hsi.splits.base import PARTS, Split, class_name

log = logging.getLogger(__name__)

MISMATCH_POLICIES = ("refuse", "drop", "ground_truth")


def _array_from_file(file: Path, key: str | None, what: str) -> np.ndarray:
    from hsi.data.mat import load_mat_array, mat_keys

    if file.suffix == ".npy":
        try:
            return np.load(file, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise UserError(
                f"The {what} mask file {file} could not be read as a .npy array ({exc}); "
                "replace it with an intact copy."
            ) from exc
    if file.suffix == ".npz":
        try:
            with np.load(file, allow_pickle=False) as data:
                name = key or what
                if name not in data:
                    raise UserError(
                        f"{file} holds no array '{name}' (it has: {', '.join(data.files)}); "
                        f"set split.{what}_key to one of these."
                    )
                return data[name]
        except (OSError, ValueError) as exc:
            raise UserError(
                f"The {what} mask file {file} could not be read as a .npz archive ({exc}); "
                "replace it with an intact copy."
            ) from exc
    if key is None:  # a .mat file with one variable needs no key
        keys = mat_keys(file)
        if len(keys) == 1:
            key = keys[0]
        elif what in keys:
            key = what
        else:
            raise UserError(
                f"{file} holds several variables ({', '.join(keys)}); say which one is the "
                f"{what} mask with split.{what}_key=NAME."
            )
    return load_mat_array(file, key)


def read_mask(path: str, key: str | None, shape: tuple[int, int], what: str) -> np.ndarray:
    """A mask file as an integer array of the scene's shape (0 = not in the set)."""
    file = Path(path).expanduser()
    if not file.is_file():
        raise UserError(f"The {what} mask file {file} does not exist; check split.{what}_mask.")
    mask = np.asarray(_array_from_file(file, key, what))
    if mask.shape != shape:
        raise UserError(
            f"The {what} mask in {file} is {'x'.join(map(str, mask.shape))} but the scene is "
            f"{shape[0]}x{shape[1]}; use a mask made for this scene."
        )
    if mask.dtype == bool:
        return mask.astype(np.int64)
    if not np.issubdtype(mask.dtype, np.number) or np.iscomplexobj(mask):
        raise UserError(f"The {what} mask in {file} is not numeric; masks hold 0 (out) and 1 or a class label (in).")
    if np.any(mask < 0) or np.any(mask != np.round(mask)):
        raise UserError(
            f"The {what} mask in {file} holds negative or fractional values; masks hold 0 (out) "
            "and 1 or a class label (in)."
        )
    return mask.astype(np.int64)


def _labels_disagree(mask: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Pixels where a mask that carries class labels names another class than the ground truth.

    A mask whose values are only 0 and 1 marks membership and carries no labels.
    """
    if mask.max(initial=0) <= 1:
        return np.zeros(mask.shape, dtype=bool)
    return (mask > 0) & (gt > 0) & (mask != gt)


def _reconcile_labels(masks: dict[str, np.ndarray], gt: np.ndarray, label_mismatch: str) -> list[str]:
    """Count mask pixels unlabelled in ``gt``; refuse, drop (in place) or accept those whose labels disagree."""
    labelled = gt > 0
    notes = []
    for part in PARTS:
        unlabelled = int(((masks[part] > 0) & ~labelled).sum())
        if unlabelled:
            notes.append(f"{unlabelled} pixels of the {part} mask are unlabelled in the ground truth and are not used")
        disagree = _labels_disagree(masks[part], gt)
        if disagree.any():
            count = int(disagree.sum())
            if label_mismatch == "refuse":
                raise UserError(
                    f"{count} pixels of the {part} mask carry another class label than the ground truth; use the "
                    "mask made for this ground truth, or set split.label_mismatch=drop (leave them out) or "
                    "ground_truth (use the ground truth's labels)."
                )
            if label_mismatch == "drop":
                masks[part] = np.where(disagree, 0, masks[part])
                notes.append(f"{count} pixels of the {part} mask disagree with the ground truth's label: left out")
            else:
                notes.append(
                    f"{count} pixels of the {part} mask disagree with the ground truth's label: "
                    "used with the ground truth's label"
                )
    return notes


def mask_split(
    gt: np.ndarray,
    seed: int,
    train_mask: str | None = None,
    test_mask: str | None = None,
    val_mask: str | None = None,
    train_key: str | None = None,
    val_key: str | None = None,
    test_key: str | None = None,
    label_mismatch: str = "refuse",
    class_names=None,
    window: int = 1,
) -> Split:
    """A fixed split from files (.npy, .npz or .mat; nonzero = in the set).

    Each file has its own key (``train_key``, ``val_key``, ``test_key``): the array's name in a
    .npz or .mat file; a .mat file with a single variable needs none, and a .npz defaults to
    ``train`` / ``val`` / ``test``. A run's own ``split.npz`` reproduces that run's split:
    ``split=masks split.train_mask=RUN/split.npz split.val_mask=RUN/split.npz split.test_mask=RUN/split.npz``.

    Mask pixels the ground truth leaves unlabelled are never used (they are counted in the
    log). Masks that carry class labels must agree with the ground truth: a disagreement is
    refused unless ``label_mismatch`` is ``drop`` (leave those pixels out) or ``ground_truth``
    (use them with the ground truth's label). ``seed`` and ``window`` are accepted like every
    split takes them; a fixed split ignores them.
    """
    if label_mismatch not in MISMATCH_POLICIES:
        raise UserError(f"split.label_mismatch is '{label_mismatch}'; choose one of {', '.join(MISMATCH_POLICIES)}.")
    for what, path in (("train", train_mask), ("test", test_mask)):
        if not path:
            raise UserError(f"split=masks needs a {what} mask: add split.{what}_mask=FILE (.npy, .npz or .mat).")
    paths = {"train": (train_mask, train_key), "val": (val_mask, val_key), "test": (test_mask, test_key)}
    masks = {
        part: read_mask(path, key, gt.shape, part) if path else np.zeros(gt.shape, np.int64)
        for part, (path, key) in paths.items()
    }
    labelled = gt > 0
    notes = _reconcile_labels(masks, gt, label_mismatch)
    sets = {part: np.flatnonzero(((masks[part] > 0) & labelled).ravel()) for part in PARTS}
    for a, b in (("train", "test"), ("train", "val"), ("val", "test")):
        if np.intersect1d(sets[a], sets[b]).size:
            raise UserError(f"The {a} and {b} masks share labelled pixels; a pixel may belong to one set only.")
    trained = set(np.unique(gt.ravel()[sets["train"]]).tolist())
    missing = sorted(set(np.unique(gt[labelled]).tolist()) - trained)
    if missing:
        names = ", ".join(class_name(k, class_names) for k in missing)
        raise UserError(f"The training mask holds no pixel of {names}; every class needs training pixels.")
    for note in notes:
        log.warning("split masks: %s", note)
    return Split(sets["train"], sets["val"], sets["test"], notes=tuple(notes))
