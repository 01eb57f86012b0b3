"""Accuracy figures of a classification: OA, AA, kappa, per class, confusion (all from scikit-learn).

A class with no test pixel is *untested*: its accuracy, recall and F1 are null (not 0), AA is
the mean over the tested classes only, and the count it averages is reported beside it, so
an AA over 12 classes is never mistaken for one over 16.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    cohen_kappa_score,
    confusion_matrix,
    precision_recall_fscore_support,
)


def _or_none(value: float, defined: bool) -> float | None:
    return float(value) if defined else None


def classification_metrics(y_true: np.ndarray, y_pred: np.ndarray, class_names: list[str]) -> dict:
    """Metrics over zero-based labels ``0..K-1``.

    OA is the share of correct pixels; AA the mean of per-class recalls over the classes present
    in ``y_true``; kappa is Cohen's. Per-class "accuracy" is the class's recall, as in the HSI
    literature. Precision is null for a class never predicted.
    """
    labels = np.arange(len(class_names))
    precision, recall, f1, support = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    predicted = np.bincount(np.asarray(y_pred, dtype=np.int64), minlength=len(labels))[: len(labels)]
    tested = support > 0
    return {
        "overall_accuracy": float(accuracy_score(y_true, y_pred)),
        "average_accuracy": float(recall[tested].mean()) if tested.any() else None,
        "average_accuracy_classes": int(tested.sum()),
        "untested_classes": [class_names[k] for k in labels if not tested[k]],
        "kappa": float(cohen_kappa_score(y_true, y_pred, labels=labels)),
        "per_class": [
            {
                "label": int(k + 1),
                "name": class_names[k],
                "accuracy": _or_none(recall[k], tested[k]),
                "precision": _or_none(precision[k], predicted[k] > 0),
                "recall": _or_none(recall[k], tested[k]),
                "f1": _or_none(f1[k], tested[k]),
                "support": int(support[k]),
            }
            for k in labels
        ],
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }
