"""Run tracking, optional (``logger=tensorboard`` or ``logger=mlflow``): local files, no server.

Each logger gets the resolved config when the run starts, one record per epoch (training loss,
validation loss, OA and AA), and at the end the test metrics and the report files, as users of
Lightning's loggers expect. Runs of one sweep share an experiment (the sweep folder's name).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from hsi.config import dotted
from hsi.errors import UserError
from hsi.run_dir import CONFUSION_PNG, CURVES_PNG, METRICS, PER_CLASS_CSV, REPORT_HTML, REPORT_MD

EPOCH_KEYS = ("train_loss", "val_loss", "val_oa", "val_aa")
FINAL_KEYS = (("overall_accuracy", "test_oa"), ("average_accuracy", "test_aa"), ("kappa", "test_kappa"))


def flatten(config: dict) -> dict[str, str]:
    """``{"trainer.epochs": "30", ...}``: nested settings as dotted keys, values as text."""
    return {
        key: json.dumps(value) if isinstance(value, list | tuple) else str(value)
        for key, value in dotted(config).items()
    }


class TensorBoardLogger:
    """Scalars and text in ``root/EXPERIMENT/RUN`` for TensorBoard."""

    def __init__(self, root: str = "runs", experiment: str | None = None) -> None:
        self.root, self.experiment, self.writer = Path(root).expanduser(), experiment or "hsi-train", None

    def start(self, run_name: str, config: dict) -> None:
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError as exc:
            raise UserError("logger=tensorboard needs the tensorboard package; pip install tensorboard.") from exc
        self.writer = SummaryWriter(log_dir=str(self.root / self.experiment / run_name))
        self.writer.add_text("config", "\n".join(f"    {k}: {v}" for k, v in flatten(config).items()))

    def log_epoch(self, record: dict) -> None:
        for key in EPOCH_KEYS:
            if record.get(key) is not None:
                self.writer.add_scalar(key, record[key], record["epoch"])

    def finish(self, metrics: dict, run_dir: Path) -> None:
        for key, name in FINAL_KEYS:
            if metrics.get(key) is not None:
                self.writer.add_scalar(name, metrics[key], 0)
        report = Path(run_dir) / REPORT_MD
        if report.is_file():
            self.writer.add_text("report", report.read_text())
        self.writer.close()

    def abort(self) -> None:
        if self.writer is not None:
            self.writer.close()


class MLflowLogger:
    """Parameters, metrics and artefacts in a local MLflow file store."""

    def __init__(self, tracking_uri: str = "mlruns", experiment: str | None = None) -> None:
        self.tracking_uri, self.experiment, self.run = tracking_uri, experiment or "hsi-train", None

    def start(self, run_name: str, config: dict) -> None:
        try:
            import mlflow
        except ImportError as exc:
            raise UserError("logger=mlflow needs the mlflow package; pip install mlflow-skinny (or mlflow).") from exc
        uri = self.tracking_uri
        if "://" not in uri:  # a folder: MLflow wants it as a file URI
            uri = Path(uri).expanduser().absolute().as_uri()
            # MLflow 3 refuses its folder store unless asked; a local folder, no server, is the point
            # here (give logger.tracking_uri=sqlite:///mlflow.db for MLflow's database store instead)
            os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
        mlflow.set_tracking_uri(uri)
        mlflow.set_experiment(self.experiment)
        self.run = mlflow.start_run(run_name=run_name)
        params = flatten(config)
        for start in range(0, len(params), 100):  # MLflow takes at most 100 parameters per call
            mlflow.log_params(dict(list(params.items())[start : start + 100]))

    def log_epoch(self, record: dict) -> None:
        import mlflow

        metrics = {key: float(record[key]) for key in EPOCH_KEYS if record.get(key) is not None}
        mlflow.log_metrics(metrics, step=int(record["epoch"]))

    def finish(self, metrics: dict, run_dir: Path) -> None:
        import mlflow

        mlflow.log_metrics({name: float(metrics[key]) for key, name in FINAL_KEYS if metrics.get(key) is not None})
        for name in (METRICS, REPORT_MD, REPORT_HTML, PER_CLASS_CSV, CONFUSION_PNG, CURVES_PNG):
            if (Path(run_dir) / name).is_file():
                mlflow.log_artifact(str(Path(run_dir) / name))
        mlflow.end_run()

    def abort(self) -> None:
        import mlflow

        if self.run is not None:
            mlflow.end_run(status="FAILED")
