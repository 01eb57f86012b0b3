"""logger=tensorboard and logger=mlflow: config, per-epoch metrics, final metrics and reports in local files."""

from __future__ import annotations

import json

import pytest
from cli_helpers import run_cli
from conftest import TINY


def test_tensorboard_gets_every_epoch_and_the_final_metrics(scene_files, tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    run_dir = tmp_path / "run"
    result = run_cli(
        "hsi-train",
        *scene_files["overrides"],
        *TINY,
        "logger=tensorboard",
        f"logger.root={tmp_path / 'runs'}",
        f"hydra.run.dir={run_dir}",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    events = EventAccumulator(str(tmp_path / "runs" / "hsi-train" / "run")).Reload()
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert [e.step for e in events.Scalars("train_loss")] == [1, 2]
    assert [e.value for e in events.Scalars("train_loss")] == pytest.approx(
        [h["train_loss"] for h in metrics["history"]]
    )
    assert events.Scalars("test_oa")[0].value == pytest.approx(metrics["overall_accuracy"])


@pytest.mark.slow  # a two-job sweep
def test_a_sweep_is_one_mlflow_experiment_with_a_run_per_job(scene_files, tmp_path):
    mlflow = pytest.importorskip("mlflow")
    store = tmp_path / "mlruns"
    sweep_dir = tmp_path / "my-sweep"
    result = run_cli(
        "hsi-train",
        "-m",
        *scene_files["overrides"],
        *TINY,
        "seed=0,1",
        "split.val_fraction=0.1",  # validation figures to log every epoch
        "logger=mlflow",
        f"logger.tracking_uri={store}",
        f"hydra.sweep.dir={sweep_dir}",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    mlflow.set_tracking_uri(store.as_uri())
    runs = mlflow.search_runs(experiment_names=["my-sweep"], output_format="list")
    assert len(runs) == 2
    for run in runs:
        job = json.loads((sweep_dir / run.info.run_name / "metrics.json").read_text())
        assert run.data.metrics["test_oa"] == pytest.approx(job["overall_accuracy"])
        assert run.data.params["trainer.epochs"] == "2"
        history = mlflow.tracking.MlflowClient().get_metric_history(run.info.run_id, "val_aa")
        assert [m.step for m in history] == [1, 2]
        artefacts = {a.path for a in mlflow.tracking.MlflowClient().list_artifacts(run.info.run_id)}
        assert {"metrics.json", "report.md"} <= artefacts
