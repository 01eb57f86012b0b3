"""Which labelled pixels train, validate and test: random, per-class, spatially disjoint, by field, or from masks."""

from hsi.splits.base import Split, inside_training_windows, leakage_share, window_overlap_share
from hsi.splits.by_field import field_split
from hsi.splits.disjoint import spatially_disjoint_split, testable_classes
from hsi.splits.masks import mask_split
from hsi.splits.random import per_class_count_split, stratified_fraction_split

__all__ = [
    "Split",
    "inside_training_windows",
    "leakage_share",
    "window_overlap_share",
    "spatially_disjoint_split",
    "field_split",
    "testable_classes",
    "mask_split",
    "per_class_count_split",
    "stratified_fraction_split",
]
