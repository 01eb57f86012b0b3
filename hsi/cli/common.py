"""What every entry point shares: plain error messages and no half-written run folders."""

from __future__ import annotations

import contextlib
import re
import shutil
import sys
from pathlib import Path

from hsi.errors import EXIT_USER_ERROR, UserError
from hsi.run_dir import START_OVERRIDES, TRAIN_LOG

# What Hydra writes into a run folder before our code runs.
_HYDRA_ONLY = {START_OVERRIDES.split("/")[0], TRAIN_LOG}


# The nearest folder above the run folder named on the command line that existed when the command started:
# it and everything above it are the user's; what lies below it, Hydra made for this start.
_existing_at_start: Path | None = None


def note_existing_parent(run_dir: str | None) -> None:
    """Before Hydra creates ``run_dir`` (``hydra.run.dir`` as given; None: the default layout), remember the
    nearest of its parents that exists, so that only folders this start made are removed with its stub."""
    global _existing_at_start
    _existing_at_start = None
    if run_dir is not None:
        parent = Path(run_dir).expanduser().absolute().parent
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        _existing_at_start = parent


def _made_by_this_start(folder: Path) -> bool:
    folder = folder.absolute()
    if _existing_at_start is not None:
        return _existing_at_start in folder.parents
    return re.fullmatch(r"\d{4}-\d{2}-\d{2}", folder.name) is not None  # the date folder of outputs/DATE/TIME


def remove_unfinished_run_dir(run_dir: Path) -> None:
    """Delete a run folder that holds nothing but Hydra's own bookkeeping from this start."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        return
    entries = {p.name for p in run_dir.iterdir()}
    if not entries <= _HYDRA_ONLY:
        return  # something else is there: never delete what a user or an earlier run made
    for name in entries:
        path = run_dir / name
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    run_dir.rmdir()
    # The folders Hydra made for this start (the date folder of outputs/DATE/TIME), when they are empty now;
    # a folder that was there before is the user's, even when empty (it may be the folder they work in).
    for parent in run_dir.absolute().parents:
        if not _made_by_this_start(parent):
            break
        with contextlib.suppress(OSError):
            parent.rmdir()


def fail(program: str, error: UserError) -> None:
    """Print the one-sentence message and exit with the user-error code."""
    print(f"{program}: error: {error}", file=sys.stderr)
    sys.exit(EXIT_USER_ERROR)


def help_text(docstring: str) -> str:
    """A module docstring as ``--help`` shows it: reStructuredText's double backticks and roles dropped."""
    text = re.sub(r":\w+:`([^`]*)`", r"\1", docstring)
    return text.replace("``", "")


def add_inference_options(parser) -> None:
    """``--precision`` and ``--device``, as every command that predicts with a run takes them."""
    parser.add_argument("--precision", default="auto", help="auto | fp32 | bf16 | fp16 (default auto)")
    parser.add_argument("--device", default="auto", help="auto | cpu | cuda (default auto)")
