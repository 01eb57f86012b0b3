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
    # The date folder of the default layout (outputs/DATE/TIME), when this was its only run; any other
    # parent is the user's, even when empty (it may be the folder they work in).
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", run_dir.parent.name):
        with contextlib.suppress(OSError):
            run_dir.parent.rmdir()


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
