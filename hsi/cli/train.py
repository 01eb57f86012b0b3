"""``hsi-train``: train one model (or a sweep with ``-m``) and write its report."""

from __future__ import annotations

import logging
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from hsi.cli.common import fail, remove_unfinished_run_dir
from hsi.errors import UserError
from hsi.experiment import train_and_evaluate

log = logging.getLogger("hsi")


@hydra.main(version_base="1.3", config_path="pkg://hsi.configs", config_name="train")
def main(cfg: DictConfig) -> float:
    hydra_cfg = HydraConfig.get()
    run_dir = Path(hydra_cfg.runtime.output_dir)
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
