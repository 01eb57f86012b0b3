"""Running the console scripts as a user would: in this process (fast), or in a subprocess.

``run_cli`` calls the script's ``main`` in-process with its arguments, working folder and
environment, and returns what a subprocess would (exit code, stdout, stderr): the same code
path from argument parsing to exit code, without a new interpreter importing torch each time.
``run_subprocess`` is for what only a separate process can show (signals, a different
``sys.path``, launchers that spawn workers).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

from hsi.cli.launch import COMMANDS

ENTRY_POINTS = COMMANDS  # each console script and the module whose main() it calls


def script(name: str) -> str:
    """The console script beside this interpreter (the environment the tests run in)."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else shutil.which(name) or name


def _environment(env: dict | None) -> dict:
    full_env = {**os.environ, "HYDRA_FULL_ERROR": "0", **(env or {})}
    if env is None or "HSI_DATA_DIR" not in env:
        full_env.pop("HSI_DATA_DIR", None)
    return full_env


def run_subprocess(
    name: str, *args: str, cwd: Path, env: dict | None = None, timeout: int = 600
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [script(name), *args], cwd=cwd, env=_environment(env), capture_output=True, text=True, timeout=timeout
    )


@contextlib.contextmanager
def _as_a_process(name: str, args: tuple[str, ...], cwd: Path, env: dict):
    saved_argv, saved_env, saved_cwd = sys.argv, dict(os.environ), os.getcwd()
    sys.argv = [name, *args]
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    try:
        yield
    finally:
        logging.shutdown()  # close the run's log file, as the end of a process would
        logging.getLogger().handlers.clear()
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        sys.argv = saved_argv


def run_cli(
    name: str, *args: str, cwd: Path, env: dict | None = None, timeout: int = 600
) -> subprocess.CompletedProcess:
    """``name args`` run in this process; returns its exit code, stdout and stderr like a subprocess."""
    main = importlib.import_module(ENTRY_POINTS[name]).main
    out, err, code = io.StringIO(), io.StringIO(), 0
    with (
        _as_a_process(name, args, Path(cwd), _environment(env)),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            main() if name == "hsi-train" else main(list(args))
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    return subprocess.CompletedProcess([name, *args], code, out.getvalue(), err.getvalue())


def train_on_synthetic_scene(folder: Path, *overrides: str) -> subprocess.CompletedProcess:
    """``hsi-train`` on the synthetic scene written into ``folder``, into ``folder/run``."""
    from synthetic import write_scene_files

    return run_cli("hsi-train", *write_scene_files(folder), *overrides, "hydra.run.dir=run", cwd=folder)


def assert_refused_before_training(folder: Path, *overrides: str) -> str:
    """The start is refused with exit code 2 and leaves no run folder; returns what it said."""
    result = train_on_synthetic_scene(folder, *overrides)
    assert result.returncode == 2, result.stderr
    assert not (folder / "run").exists()
    return result.stderr
