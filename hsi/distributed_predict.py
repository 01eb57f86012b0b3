"""The tiles of a scene predicted on a Dask cluster: worker processes on this machine, or a running scheduler.

Dask distributed is the geospatial Python stack's engine (xarray, rioxarray and dask-geopandas
run on it), it starts a local cluster with one call and reaches a cluster of many machines by its
scheduler's address, and it reschedules the tasks of a lost worker by itself. Each tile is one
task: a worker opens the run and the scene once (then keeps them) and returns the tile's labels,
probabilities and validity; this process writes each tile into the GeoTIFFs as it comes back, so a
lost worker loses no finished tile. A task that fails is retried (``retries``) before the
prediction stops with its error.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator

from hsi.errors import UserError
from hsi.predict_tiles import TileJob, predict_job_tile

try:  # an optional dependency: without it, asking for a cluster is one sentence (see _distributed)
    from distributed import WorkerPlugin
except ImportError:  # pragma: no cover
    WorkerPlugin = object

log = logging.getLogger(__name__)

CONNECT_SECONDS = 10  # how long to wait for a scheduler before saying it is not there


def _distributed():
    try:
        import distributed
    except ImportError as exc:
        raise UserError(
            "--workers and --scheduler need Dask distributed; install it with pip install 'hsi[distributed]'."
        ) from exc
    return distributed


class TorchThreads(WorkerPlugin):
    """A worker plugin: every worker process computes with ``threads`` torch threads."""

    def __init__(self, threads: int) -> None:
        self.threads = threads

    def setup(self, worker) -> None:
        import torch

        torch.set_num_threads(self.threads)


def local_threads(workers: int, threads: int | None, cores: int | None = None) -> int:
    """Torch threads per local worker: ``threads``, or the cores shared out; workers x threads <= cores."""
    cores = cores or os.cpu_count() or 1
    if workers < 1:
        raise UserError(f"--workers is {workers}; give at least 1.")
    threads = threads or max(1, cores // workers)
    if threads < 1:
        raise UserError(f"--threads is {threads}; give at least 1.")
    if workers * threads > cores:
        raise UserError(
            f"--workers {workers} x --threads {threads} asks for {workers * threads} threads on {cores} cores; "
            "keep workers x threads <= cores (fewer threads per worker, or fewer workers)."
        )
    return threads


def _restore_environ(saved: dict[str, str]) -> None:
    os.environ.clear()
    os.environ.update(saved)


class TileCluster:
    """A Dask client for tile predictions: a local cluster of ``workers`` processes, or the one at ``scheduler``.

    Use as a context manager; :meth:`tiles` yields each tile's result as it finishes.
    """

    def __init__(
        self, workers: int | None = None, scheduler: str | None = None, threads: int | None = None, retries: int = 2
    ) -> None:
        if (workers is None) == (scheduler is None):
            raise UserError("Give either --workers N (a cluster on this machine) or --scheduler ADDRESS, not both.")
        self.workers, self.scheduler, self.retries = workers, scheduler, retries
        self.threads = local_threads(workers, threads) if workers is not None else threads
        self._stack = contextlib.ExitStack()
        self.client = None

    def __enter__(self) -> TileCluster:
        distributed = _distributed()
        # Dask's nannies set OMP_NUM_THREADS=1 and more in this process's environment for the workers they
        # spawn; put it back when the cluster closes, or every later child process would run on one thread.
        self._stack.callback(_restore_environ, dict(os.environ))
        if self.scheduler is not None:
            self.client = self._stack.enter_context(self._connect(distributed))
        else:
            cluster = distributed.LocalCluster(
                n_workers=self.workers, threads_per_worker=1, processes=True, dashboard_address=None
            )
            self._stack.enter_context(cluster)
            self.client = self._stack.enter_context(distributed.Client(cluster))
        if self.threads:
            self.client.register_plugin(TorchThreads(self.threads), name="hsi-torch-threads")
        log.info("predicting on %s", self.client)
        return self

    def _connect(self, distributed):
        """A client of the scheduler at ``self.scheduler``, or one sentence on why there is none."""
        try:
            return distributed.Client(self.scheduler, timeout=CONNECT_SECONDS)
        except (OSError, ValueError, TimeoutError) as exc:
            raise UserError(
                f"No Dask scheduler answered at {self.scheduler} within {CONNECT_SECONDS} s ({exc}); give the "
                "address the scheduler printed (tcp://HOST:8786), or use --workers N on this machine."
            ) from exc

    def __exit__(self, *exc) -> None:
        self._stack.close()

    def tiles(self, job: TileJob, starts: list[tuple[int, int]]) -> Iterator[tuple]:
        """``(top, left, labels, probabilities, inside)`` of every tile of ``job``, in the order they finish."""
        distributed = _distributed()
        futures = [
            self.client.submit(predict_job_tile, job, top, left, retries=self.retries, pure=False)
            for top, left in starts
        ]
        for future in distributed.as_completed(futures):
            yield future.result()
            future.release()
