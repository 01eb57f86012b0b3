"""The console scripts' entry points: each imports its command only when called.

Starting a command imports torch, which takes seconds; a Ctrl-C then would print a traceback from
deep inside an import (sympy, mpmath...). Here it is one sentence and exit status 130, as a shell
reports for a program ended by Ctrl-C. Each command handles a Ctrl-C while it works on its own.
"""

from __future__ import annotations

import functools
import importlib
import sys

from hsi.errors import EXIT_INTERRUPTED  # a module without imports: nothing heavy loads before the handler

COMMANDS = {
    "hsi-train": "hsi.cli.train",
    "hsi-map": "hsi.cli.map",
    "hsi-predict": "hsi.cli.predict",
    "hsi-models": "hsi.cli.models",
    "hsi-sweep-report": "hsi.cli.sweep_report",
    "hsi-data": "hsi.cli.data",
}


def launch(program: str) -> None:
    """Import ``program``'s module and call its ``main``; a Ctrl-C is one sentence, exit status 130."""
    try:
        main = importlib.import_module(COMMANDS[program]).main
    except KeyboardInterrupt:
        _stopped(f"{program}: stopped by Ctrl-C while starting; nothing was written.")
    try:
        main()
    except KeyboardInterrupt:  # where the command has no handler of its own (hsi-train has, in a run)
        _stopped(f"{program}: stopped by Ctrl-C.")


def _stopped(sentence: str) -> None:
    print(sentence, file=sys.stderr)
    sys.exit(EXIT_INTERRUPTED)


# The console scripts of pyproject.toml, one per command.
train = functools.partial(launch, "hsi-train")
map_ = functools.partial(launch, "hsi-map")
predict = functools.partial(launch, "hsi-predict")
models = functools.partial(launch, "hsi-models")
sweep_report = functools.partial(launch, "hsi-sweep-report")
data = functools.partial(launch, "hsi-data")
