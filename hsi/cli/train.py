"""``hsi-train``: train one model (or a sweep with ``-m``) and write its report."""

from __future__ import annotations

import json
import logging
import traceback
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from hsi.cli.common import fail, remove_unfinished_run_dir
from hsi.errors import UserError
from hsi.experiment import train_and_evaluate
from hsi.report import write_atomically
from hsi.sweep.aggregate import FAILED_NAME

log = logging.getLogger("hsi")


def _record_failure(run_dir: Path, error: BaseException) -> None:
    """In a sweep, a failed job leaves failed.json so the summary lists it (with its error)."""
    payload = {"error": str(error), "type": type(error).__name__,
               "traceback": "".join(traceback.format_exception(error)) if not isinstance(error, UserError) else None}
    run_dir.mkdir(parents=True, exist_ok=True)
    write_atomically(run_dir / FAILED_NAME, json.dumps(payload, indent=2) + "\n")


@hydra.main(version_base="1.3", config_path="pkg://hsi.configs", config_name="train")
def main(cfg: DictConfig) -> float | None:
    hydra_cfg = HydraConfig.get()
    run_dir = Path(hydra_cfg.runtime.output_dir)
    if hydra_cfg.mode == RunMode.MULTIRUN:
        # One failing job must not stop the others: record it and let the sweep go on.
        try:
            return train_and_evaluate(cfg, run_dir, model_name=hydra_cfg.runtime.choices.get("model", "model"))[
                "overall_accuracy"]
        except Exception as error:  # noqa: BLE001 - every failure is recorded and listed
            log.error("run failed: %s", error)
            _record_failure(run_dir, error)
            return None
    try:
        if (run_dir / "metrics.json").exists():
            raise UserError(
                f"{run_dir} already holds a finished run; choose another folder with hydra.run.dir=..."
            )
        metrics = train_and_evaluate(cfg, run_dir, model_name=hydra_cfg.runtime.choices.get("model", "model"))
    except UserError as error:
        logging.shutdown()
        if not (run_dir / "metrics.json").exists():
            remove_unfinished_run_dir(run_dir)
        fail("hsi-train", error)
    return metrics["overall_accuracy"]


if __name__ == "__main__":
    main()
