"""Many runs at once: aggregation, the run-to-run variance study, the Hydra callback."""

from hsi.sweep.aggregate import collect_runs
from hsi.sweep.write import summarise_sweep

__all__ = ["collect_runs", "summarise_sweep"]
