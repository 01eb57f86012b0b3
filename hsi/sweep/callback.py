"""The Hydra callback that writes the sweep summary when a multirun ends."""

from __future__ import annotations

import logging
from pathlib import Path

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from hsi.sweep.write import summarise_sweep

log = logging.getLogger(__name__)


class SweepSummary(Callback):
    """After the last job: summary.{json,csv,md,png} in the sweep folder; exit 1 if a run failed."""

    def on_multirun_end(self, config: DictConfig, **kwargs) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        summary = summarise_sweep(sweep_dir)
        print(f"sweep summary: {sweep_dir / 'summary.md'}")
        failed = summary["not_finished"]
        if failed:
            print(f"{len(failed)} of {summary['runs']['total']} runs did not finish; they are listed in summary.md")
            raise SystemExit(1)
