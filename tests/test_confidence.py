"""Confidence of a map and the reliability table, against values computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from hsi.maps.confidence import confidence_bands, reliability_table


def test_a_sure_pixel_has_confidence_1_and_entropy_0_an_even_one_1_over_k_and_1():
    p = np.array([[[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3], [0.5, 0.5, 0.0]]])
    top, entropy = confidence_bands(p)
    np.testing.assert_allclose(top[0], [1.0, 1 / 3, 0.5], rtol=1e-6)
    np.testing.assert_allclose(entropy[0], [0.0, 1.0, np.log(2) / np.log(3)], rtol=1e-6, atol=1e-7)


def test_the_reliability_table_groups_pixels_by_confidence_and_counts_what_a_threshold_keeps():
    # four pixels: confidences 0.95 (right), 0.97 (wrong), 0.55 (right), 0.3 (wrong)
    p = np.array([[0.95, 0.05], [0.97, 0.03], [0.45, 0.55], [0.3, 0.7]])
    truth = np.array([0, 1, 1, 0])  # the last one: top probability 0.7, predicted 1, wrong
    table = {r["low"]: r for r in reliability_table(p, truth, edges=(0.0, 0.5, 0.9, 1.0))}
    assert table[0.0]["pixels"] == 0 and table[0.0]["accuracy"] is None
    assert table[0.5]["pixels"] == 2 and table[0.5]["accuracy"] == 0.5  # 0.55 right, 0.7 wrong
    assert table[0.9]["pixels"] == 2 and table[0.9]["accuracy"] == 0.5
    assert table[0.9]["mean_confidence"] == pytest.approx(0.96)
    assert table[0.9]["share_at_or_above"] == 0.5 and table[0.5]["share_at_or_above"] == 1.0
    assert table[0.0]["accuracy_at_or_above"] == 0.5
