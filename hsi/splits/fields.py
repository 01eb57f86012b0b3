"""Fields: the 8-connected regions of one class in the ground truth, and how a split meets them.

A split that keeps test pixels out of every training window (``split=disjoint``) can still test
on the unseen part of a field it trains on. Every run records, per class, how many fields hold
training, validation and test pixels, and the share of test pixels that lie in a field which also
trains, so that a report says which question its figures answer: unseen parts of seen fields, or
unseen fields.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from hsi.splits.base import PARTS, Split

EIGHT_CONNECTED = np.ones((3, 3), dtype=bool)


def field_index(gt: np.ndarray) -> np.ndarray:
    """``(H, W)`` field number of every labelled pixel (1, 2, ...; 0 unlabelled), numbered class by class."""
    fields = np.zeros(gt.shape, dtype=np.int64)
    for k in np.unique(gt[gt > 0]):
        labelled, _ = ndimage.label(gt == k, structure=EIGHT_CONNECTED)
        fields[labelled > 0] = labelled[labelled > 0] + fields.max()
    return fields


def field_record(gt: np.ndarray, split: Split, num_classes: int) -> dict:
    """Per class (1..num_classes), how many fields each part touches; the share of test pixels in a training field."""
    fields, classes = field_index(gt).ravel(), gt.ravel()
    per_part = {}
    for part in PARTS:
        pixels = getattr(split, part)
        per_part[part] = [len(np.unique(fields[pixels[classes[pixels] == k]])) for k in range(1, num_classes + 1)]
    per_part["all"] = [len(np.unique(fields[classes == k])) for k in range(1, num_classes + 1)]
    in_training = np.isin(fields[split.test], np.unique(fields[split.train]))
    return {
        "fields_per_class": per_part,
        "test_pixels_in_training_fields": float(in_training.mean()) if len(split.test) else 0.0,
    }
