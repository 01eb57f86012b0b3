"""Accuracy figures of a classification: OA, AA, kappa, per class, confusion (all from scikit-learn)."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    cohen_kappa_score,
    confusion_matrix,
    precision_recall_fscore_support,
)


def classification_metrics(y_true: np.ndarray, y_pred: np.ndarray, class_names: list[str]) -> dict:
    """Metrics over zero-based labels ``0..K-1``.

    OA is the share of correct pixels; AA the mean of per-class recalls (scikit-learn's
    balanced accuracy); kappa is Cohen's. Per-class "accuracy" is the class's recall, as in
    the HSI literature. Classes absent from ``y_true`` get recall 0 with a zero support.
    """
    labels = np.arange(len(class_names))
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    present = support > 0
    return {
        "overall_accuracy": float(accuracy_score(y_true, y_pred)),
        # balanced_accuracy_score averages recall over the classes present in y_true.
        "average_accuracy": float(balanced_accuracy_score(y_true, y_pred)) if present.all()
        else float(recall[present].mean()),
        "kappa": float(cohen_kappa_score(y_true, y_pred, labels=labels)),
        "per_class": [
            {
                "label": int(k + 1),
                "name": class_names[k],
                "accuracy": float(recall[k]),
                "precision": float(precision[k]),
                "recall": float(recall[k]),
                "f1": float(f1[k]),
                "support": int(support[k]),
            }
            for k in labels
        ],
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }
