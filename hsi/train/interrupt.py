"""Stopping a training run cleanly: the first Ctrl-C or SIGTERM asks, the second insists."""

from __future__ import annotations

import contextlib
import logging
import signal
import threading

from hsi.errors import EXIT_INTERRUPTED, StoppedOutsideTraining

log = logging.getLogger(__name__)


class TrainingInterrupted(Exception):
    """Raised by the trainer at a batch boundary after a stop request; carries the resumable state."""

    def __init__(self, state: dict) -> None:
        super().__init__(f"training interrupted after epoch {state['epoch']}")
        self.state = state


class StopRequest:
    """While active, SIGINT and SIGTERM set :attr:`requested` instead of killing the process.

    A second signal restores the default behaviour and exits at once (status 130), for a user
    who does not want to wait for the current batch. Outside the main thread (a joblib worker,
    for instance) signals cannot be caught and the context does nothing.
    """

    def __init__(self) -> None:
        self.requested = False
        self._previous: dict[int, object] = {}

    def _handle(self, signum, frame) -> None:  # noqa: ARG002 - signal handler signature
        if self.requested:
            log.warning("second stop request: exiting at once, nothing saved")
            raise SystemExit(EXIT_INTERRUPTED)
        self.requested = True
        log.warning(
            "stop requested (%s): saving a resumable checkpoint after this batch; press Ctrl-C again to quit at once",
            signal.Signals(signum).name,
        )

    def __enter__(self) -> StopRequest:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def ctrl_c_means_stopped(when: str):
    """Outside the training loop Ctrl-C is Python's KeyboardInterrupt: make it :class:`StoppedOutsideTraining`.

    ``when`` completes "stopped by Ctrl-C ..." (``before training began``), so the entry point can say in
    one sentence what the stop leaves, instead of a traceback from whatever library was running.
    """
    try:
        yield
    except KeyboardInterrupt:
        raise StoppedOutsideTraining(when) from None
