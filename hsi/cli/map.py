"""``hsi-map RUN_DIR [dataset overrides]``: maps again from a finished run, or a sweep's runs averaged."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from hsi.cli.common import add_inference_options, fail, help_text
from hsi.errors import UserError
from hsi.maps.from_run import render_run


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="hsi-map",
        description=help_text(__doc__),
        epilog="Example: hsi-map outputs/2026-11-28/10-00-00 dataset=custom dataset.cube_path=other.mat ...",
    )
    parser.add_argument(
        "run_dir", type=Path, help="a run folder written by hsi-train, or a sweep folder (its runs averaged)"
    )
    parser.add_argument("overrides", nargs="*", help="dataset overrides to map another scene with the same bands")
    parser.add_argument(
        "--out",
        type=Path,
        help="a new folder for the maps (default RUN_DIR-maps beside the run, or RUN_DIR-maps-SCENE)",
    )
    add_inference_options(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        out = render_run(args.run_dir, args.overrides, args.out, args.precision, args.device)
    except UserError as error:
        fail("hsi-map", error)
    print(out)


if __name__ == "__main__":
    main()
