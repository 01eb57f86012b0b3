"""``hsi-sweep-report SWEEP_DIR``: the sweep summary again, for any folder of runs."""

from __future__ import annotations

import argparse
from pathlib import Path

from hsi.cli.common import fail, help_text
from hsi.errors import UserError
from hsi.sweep import summarise_sweep


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="hsi-sweep-report", description=help_text(__doc__))
    parser.add_argument("sweep_dir", type=Path, help="a folder holding run folders (a Hydra sweep folder or any other)")
    args = parser.parse_args(argv)
    try:
        if not args.sweep_dir.is_dir():
            raise UserError(f"{args.sweep_dir} is not a folder; give the folder that holds the runs.")
        summary = summarise_sweep(args.sweep_dir)
        if not summary["runs"]["total"]:
            raise UserError(f"{args.sweep_dir} holds no run folders (none has .hydra/overrides.yaml).")
    except UserError as error:
        fail("hsi-sweep-report", error)
    print((args.sweep_dir / "summary.md").read_text(), end="")


if __name__ == "__main__":
    main()
