"""curves.png: the validation panel appears only for a run that validated."""

from __future__ import annotations

import numpy as np

from hsi.report import curves_figure


def _history(validated: bool) -> list[dict]:
    return [
        {
            "epoch": e,
            "train_loss": 1.0 / e,
            "val_loss": 1.2 / e if validated else None,
            "val_oa": 0.5 + 0.1 * e if validated else None,
            "val_aa": 0.4 + 0.1 * e if validated else None,
        }
        for e in range(1, 4)
    ]


def test_a_run_without_validation_pixels_gets_no_empty_accuracy_panel():
    fig = curves_figure(_history(validated=False))
    assert len(fig.axes) == 1
    assert fig.axes[0].get_title() == "Training loss (no validation pixels)"


def test_a_validated_run_shows_loss_and_validation_accuracy():
    fig = curves_figure(_history(validated=True))
    assert [ax.get_title() for ax in fig.axes] == ["Loss", "Validation accuracy"]
    oa, aa = fig.axes[1].get_lines()
    np.testing.assert_allclose(oa.get_ydata(), [60, 70, 80])
    np.testing.assert_allclose(aa.get_ydata(), [50, 60, 70])
