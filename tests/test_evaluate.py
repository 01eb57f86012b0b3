"""OA, AA and kappa against a hand computation from the confusion matrix."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import balanced_accuracy_score

from hsi.evaluate import classification_metrics
from hsi.run_dir import RunDir


def test_metrics_match_an_independent_computation():
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 4, 300)
    y_pred = np.where(rng.random(300) < 0.7, y_true, rng.integers(0, 4, 300))
    m = classification_metrics(y_true, y_pred, ["a", "b", "c", "d"])
    cm = np.zeros((4, 4))
    for t, p in zip(y_true, y_pred, strict=True):
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


@pytest.mark.filterwarnings("ignore:y_pred contains classes not in y_true")
def test_an_untested_class_is_null_not_zero_and_aa_says_over_how_many_classes():
    y_true = np.array([0, 0, 1, 1])
    y_pred = np.array([0, 0, 1, 2])  # class c is predicted once but never tested
    m = classification_metrics(y_true, y_pred, ["a", "b", "c"])
    assert np.isclose(m["average_accuracy"], balanced_accuracy_score(y_true, y_pred))
    assert m["average_accuracy_classes"] == 2 and m["untested_classes"] == ["c"]
    c = m["per_class"][2]
    assert c["support"] == 0 and c["accuracy"] is None and c["recall"] is None and c["f1"] is None
    assert c["precision"] == 0.0  # predicted once, wrongly: defined, and 0


def test_metrics_json_is_strict_json(tmp_path):
    run = RunDir(tmp_path)
    assert not run.is_finished()
    run.write_metrics({"std": float("nan"), "nested": [np.float64("inf"), np.int64(3)], "x": None})
    text = (tmp_path / "metrics.json").read_text()
    assert json.loads(text) == {"std": None, "nested": [None, 3], "x": None} == run.read_metrics()
    assert run.is_finished()
    assert "NaN" not in text and "Infinity" not in text
