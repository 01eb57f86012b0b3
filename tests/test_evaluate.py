"""OA, AA and kappa against a hand computation from the confusion matrix."""

from __future__ import annotations

import numpy as np

from hsi.evaluate import classification_metrics


def test_metrics_match_an_independent_computation():
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 4, 300)
    y_pred = np.where(rng.random(300) < 0.7, y_true, rng.integers(0, 4, 300))
    m = classification_metrics(y_true, y_pred, ["a", "b", "c", "d"])
    cm = np.zeros((4, 4))
    for t, p in zip(y_true, y_pred):
        cm[t, p] += 1
    n = cm.sum()
    oa = np.trace(cm) / n
    per_class = np.diag(cm) / cm.sum(1)
    expected_agreement = (cm.sum(0) * cm.sum(1)).sum() / n**2
    kappa = (oa - expected_agreement) / (1 - expected_agreement)
    assert np.isclose(m["overall_accuracy"], oa)
    assert np.isclose(m["average_accuracy"], per_class.mean())
    assert np.isclose(m["kappa"], kappa)
    assert np.allclose([c["accuracy"] for c in m["per_class"]], per_class)
    assert np.array_equal(np.array(m["confusion_matrix"]), cm)
    assert [c["support"] for c in m["per_class"]] == cm.sum(1).tolist()


def test_a_class_missing_from_the_test_set_does_not_drag_down_aa():
    y_true = np.array([0, 0, 1, 1])
    y_pred = np.array([0, 0, 1, 0])
    m = classification_metrics(y_true, y_pred, ["a", "b", "c"])
    assert np.isclose(m["average_accuracy"], (1.0 + 0.5) / 2)
    assert m["per_class"][2]["support"] == 0
