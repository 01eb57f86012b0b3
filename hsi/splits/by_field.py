"""Leave fields out: every class trains, validates and tests on different fields.

A spatially disjoint split keeps test pixels out of every training window but may still test on
the unseen part of a field it trains on; a model can then recognise the field rather than the
class. Spatial cross-validation by groups (Roberts et al., "Cross-validation strategies for data
with temporal, spatial, hierarchical, or phylogenetic structure", Ecography 40, 2017; Ploton et
al., "Spatial validation reveals poor predictive performance of large-scale ecological mapping
models", Nature Communications 11, 2020) holds whole units out instead. Here the unit is a field:
an 8-connected region of one class in the ground truth, or the pixels of one class within one
parcel of a user's field raster.

For each class with two or more fields, a draw orders its fields at random; training takes the
first field(s) until the class has its training share (a compact patch: the pixels nearest a
random pixel of the field, so its windows' buffer stays small), validation takes whole fields
from the next ones where the class has three or more, and the remaining fields test. No
validation or test pixel lies in a field that trains, and none lies inside a training window
(the buffer). A class with one field, or whose test fields the buffer leaves under ``min_test``
pixels, trains on all its pixels and is reported untested.

The seed draws the classes in a random order, and for each class the first random order of its
fields (up to ``attempts``) that keeps it and the classes drawn before it tested: a random draw
among the admissible orders, so the fields of a class take turns to train as the seed changes.
(Keeping the best of several whole assignments instead, by the classes and pixels they test,
sends the same field to training seed after seed.) Validation that cannot judge every tested
class (a class with two fields has none to spare) chooses no epoch under the trainer's default
rule, so its fields test instead, unless ``partial_validation`` keeps them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from hsi.errors import UserError
from hsi.splits.base import Split, check_fractions, class_name, inside_training_windows
from hsi.splits.fields import field_index
from hsi.splits.masks import read_mask

log = logging.getLogger(__name__)


@dataclass
class _ClassFields:
    """One class's fields in the seed's order, and the parts they were given."""

    label: int
    fields: list[np.ndarray]  # flat pixel indices of each field
    train: np.ndarray
    val: np.ndarray
    test: np.ndarray

    @property
    def pixels(self) -> np.ndarray:
        return np.concatenate(self.fields)


def user_fields(gt: np.ndarray, parcels: np.ndarray) -> np.ndarray:
    """Field numbers from a user's parcel raster: one field per (parcel, class) pair; 0 outside a parcel."""
    labelled = (gt > 0) & (parcels > 0)
    pairs = np.stack([parcels[labelled], gt[labelled]], axis=1)
    _, number = np.unique(pairs, axis=0, return_inverse=True)
    fields = np.zeros(gt.shape, dtype=np.int64)
    fields[labelled] = number.ravel() + 1
    return fields


def _fields(gt: np.ndarray, field_mask: str | None, field_key: str | None) -> np.ndarray:
    """The 8-connected fields of each class, or the fields a parcel raster file defines."""
    if field_mask is None:
        return field_index(gt)
    fields = user_fields(gt, read_mask(field_mask, field_key, gt.shape, "field"))
    outside = int(((gt > 0) & (fields == 0)).sum())
    if outside:
        raise UserError(
            f"The field raster {field_mask} leaves {outside} labelled pixels outside every field; "
            "give every labelled pixel a field id above 0."
        )
    return fields


def _compact_patch(field: np.ndarray, count: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """The ``count`` pixels of a field nearest to one of its pixels drawn at random (ties by index)."""
    if count >= len(field):
        return field
    rows, cols = np.divmod(field, width)
    centre = rng.integers(len(field))
    distance = (rows - rows[centre]) ** 2 + (cols - cols[centre]) ** 2
    return field[np.argsort(distance, kind="stable")[:count]]


def _assign(label: int, fields: list[np.ndarray], fractions: tuple[float, float], width: int, rng) -> _ClassFields:
    """Order one class's fields at random and give them out: training, then validation, then test."""
    order = [fields[i] for i in rng.permutation(len(fields))]
    size = sum(map(len, order))
    train_need = max(1, round(fractions[0] * size))
    val_fields = 1 if len(order) >= 3 and fractions[1] > 0 else 0
    train, taken = [], 0
    while taken < train_need and len(train) < len(order) - 1 - val_fields:
        patch = _compact_patch(order[len(train)], train_need - taken, width, rng)
        train.append(patch)
        taken += len(patch)
    rest = order[len(train) :]
    val = rest[:val_fields]
    empty = np.empty(0, dtype=np.int64)
    return _ClassFields(
        label, order, np.concatenate(train), np.concatenate(val) if val else empty, np.concatenate(rest[val_fields:])
    )


def _field_lists(gt: np.ndarray, fields: np.ndarray) -> dict[int, list[np.ndarray]]:
    """Per class, the flat pixels of each of its fields, in field-number order."""
    flat_gt, flat_fields = gt.ravel(), fields.ravel()
    out = {}
    for k in (int(v) for v in np.unique(flat_gt) if v > 0):
        pixels = np.flatnonzero(flat_gt == k)
        numbers = flat_fields[pixels]
        out[k] = [pixels[numbers == n] for n in np.unique(numbers)]
    return out


def _buffered(parts: list[_ClassFields], whole: dict[int, np.ndarray], shape, window: int) -> tuple:
    """Training pixels, and the validation and test pixels outside every training window."""
    size = shape[0] * shape[1]
    train = np.zeros(size, bool)
    for part in parts:
        train[part.train] = True
    for pixels in whole.values():
        train[pixels] = True
    near = inside_training_windows(train.reshape(shape), window).ravel()
    val, test = np.zeros(size, bool), np.zeros(size, bool)
    for part in parts:
        val[part.val[~near[part.val]]] = True
        test[part.test[~near[part.test]]] = True
    return train, val, test


def _draw(per_class: dict, fractions: tuple[float, float], shape, window: int, min_test: int, attempts: int, rng):
    """The seed's assignment, class by class in a random order, settled against the buffer.

    Each class with two or more fields takes the first of up to ``attempts`` random orders of its
    fields that leaves it, and every class placed before it, ``min_test`` test pixels outside the
    training windows: a random draw among the orders the classes before it admit (as the disjoint
    split draws its blocks one by one). A class no order admits trains on all its pixels (and its
    windows may cost other classes their test pixels).
    """
    whole = {k: f[0] for k, f in per_class.items() if len(f) == 1}
    parts: list[_ClassFields] = []
    for k in rng.permutation([k for k, f in per_class.items() if len(f) > 1]):
        for _ in range(attempts):
            candidate = _assign(int(k), per_class[k], fractions, shape[1], rng)
            test = _buffered([*parts, candidate], whole, shape, window)[2]
            if all(test[p.test].sum() >= min_test for p in (*parts, candidate)):
                parts.append(candidate)
                break
        else:
            whole[int(k)] = np.concatenate(per_class[k])
    drawn_whole = [k for k in whole if len(per_class[k]) > 1]
    parts, whole, buffered, masks = _settle(parts, whole, shape, window, min_test)
    return parts, whole, sorted([*drawn_whole, *buffered]), masks


def _first_complete_draw(per_class: dict, fractions, shape, window: int, min_test: int, attempts: int, seed) -> tuple:
    """The first of the seed's draws in which every class with two or more fields is tested.

    Where some class can be placed in no order (rare), its whole-class training can take the test
    pixels of others, so the seed draws again, up to ``attempts`` times, and keeps the draw that
    tests the most classes (the earliest of those) when none tests them all.
    """
    best = None
    for attempt in range(attempts):
        draw = _draw(per_class, fractions, shape, window, min_test, attempts, np.random.default_rng([seed, attempt]))
        if not draw[2]:
            return draw
        if best is None or len(draw[2]) < len(best[2]):
            best = draw
    return best


def _settle(parts: list[_ClassFields], whole: dict[int, np.ndarray], shape, window: int, min_test: int) -> tuple:
    """Move classes the buffer leaves with under ``min_test`` test pixels to training, until none is left.

    A class that trains whole adds windows that can take test pixels from another, hence the loop
    (at most one round per class).
    """
    whole, buffered = dict(whole), []
    while True:
        masks = _buffered(parts, whole, shape, window)
        thin = [p for p in parts if masks[2][p.test].sum() < min_test]
        if not thin:
            return parts, whole, buffered, masks
        for part in thin:
            whole[part.label] = part.pixels
            buffered.append(part.label)
        parts = [p for p in parts if p.label not in whole]


def _refuse_if_nothing_is_tested(test: np.ndarray, min_test: int) -> None:
    if not test.any():
        raise UserError(
            f"No class of this scene keeps {min_test} test pixels in a field of its own: every class has one field "
            "or the training windows cover its other fields; give the fields as a parcel raster "
            "(split.field_mask), lower split.min_test or preprocess.window, or use split=disjoint."
        )


def _untested_notes(one_field: list[int], buffered: list[int], two_fields: list[int], window: int, names) -> tuple:
    def classes(labels: list[int], one: str, several: str) -> str:
        """``Oats: one field`` for a class, ``Oats, Alfalfa: one field each`` for several."""
        return f"{', '.join(class_name(k, names) for k in labels)}: {one if len(labels) == 1 else several}"

    notes = []
    if one_field:
        notes.append(
            classes(
                one_field, "one field, so trained on all its pixels", "one field each, so trained on all their pixels"
            )
            + " and not tested"
        )
    if buffered:
        notes.append(
            classes(buffered, "too few test pixels", "too few test pixels")
            + f" left outside the {window}x{window} training windows, so trained on all "
            + ("its" if len(buffered) == 1 else "their")
            + " pixels and not tested"
        )
    if two_fields:
        notes.append(
            classes(two_fields, "two fields (one trains, one tests)", "two fields each (one trains, one tests)")
            + ", so not validated"
        )
    for note in notes:
        log.warning("field split: %s", note)
    return tuple(notes)


def _validation_or_test(parts: list[_ClassFields], masks: tuple, partial: bool) -> tuple[tuple, list[int]]:
    """Validation pixels only where they can judge every tested class; else they test. Returns the
    masks and the classes that would have validated alone."""
    train, val, test = masks
    unvalidated = [p.label for p in parts if not val[p.val].any()]
    if partial or not unvalidated or not val.any():
        return masks, []
    alone = sorted(p.label for p in parts if val[p.val].any())
    return (train, np.zeros_like(val), test | val), alone


def _check_settings(train_fraction: float, val_fraction: float, min_test: int, attempts: int) -> None:
    check_fractions(train_fraction, val_fraction)
    if min_test < 1:
        raise UserError(f"split.min_test is {min_test}; it must be at least 1.")
    if attempts < 1:
        raise UserError(f"split.attempts is {attempts}; it must be at least 1.")


def field_split(
    gt: np.ndarray,
    seed: int,
    train_fraction: float = 0.1,
    val_fraction: float = 0.05,
    min_test: int = 10,
    field_mask: str | None = None,
    field_key: str | None = None,
    attempts: int = 16,
    class_names=None,
    window: int = 25,
    partial_validation: bool = False,
) -> Split:
    """Training, validation and test pixels of a class come from different fields.

    Args:
        train_fraction: the share of each class's pixels to train on, taken from its first field(s).
        val_fraction: validation takes one whole field where a class has three or more; 0 turns it off.
        min_test: a class left with fewer test pixels outside the training windows trains on all its
            pixels and is not tested.
        field_mask, field_key: a raster of field or parcel ids (0: none) of the scene's shape (.npy,
            .npz or .mat); each parcel's pixels of one class make a field. Without it, the
            8-connected regions of each class.
        attempts: the most random orders of a class's fields tried for one that keeps it, and the
            classes drawn before it, tested.
        window: the classifier's window; the buffer is ``window // 2`` pixels.
        partial_validation: keep validation fields even where some tested class has none (for
            ``trainer.select_over=classes_with_enough``); by default they test then.
    """
    _check_settings(train_fraction, val_fraction, min_test, attempts)
    per_class = _field_lists(gt, _fields(gt, field_mask, field_key))
    fractions = (train_fraction, val_fraction)
    parts, whole, buffered, masks = _first_complete_draw(
        per_class, fractions, gt.shape, window, min_test, attempts, seed
    )
    (train, val, test), validated_alone = _validation_or_test(parts, masks, partial_validation)
    _refuse_if_nothing_is_tested(test, min_test)
    dropped = (gt.ravel() > 0) & ~train & ~val & ~test
    two_fields = [p.label for p in parts if not len(p.val) and val_fraction > 0]
    one_field = sorted(k for k in whole if k not in buffered)
    notes = _untested_notes(one_field, sorted(buffered), sorted(two_fields), window, class_names)
    notes += _validation_note(validated_alone, class_names)
    return Split(
        np.flatnonzero(train),
        np.flatnonzero(val),
        np.flatnonzero(test),
        dropped=np.flatnonzero(dropped),
        untestable=tuple(sorted(whole)),
        notes=notes,
    )


def _validation_note(validated_alone: list[int], names) -> tuple[str, ...]:
    """The note of a split whose validation fields test (none where validation stayed)."""
    if not validated_alone:
        return ()
    note = (
        f"validation fields of {', '.join(class_name(k, names) for k in validated_alone)} test instead: validation "
        "that misses a tested class chooses no epoch (split.partial_validation=true keeps them)"
    )
    log.warning("field split: %s", note)
    return (note,)
