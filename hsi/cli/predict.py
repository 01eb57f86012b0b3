"""``hsi-predict RUN_DIR SCENE``: classify an unlabelled scene of any size with a finished run, into a GeoTIFF."""

from __future__ import annotations

import argparse
import contextlib
import logging
from pathlib import Path

from hsi.cli.common import add_inference_options, fail, help_text
from hsi.distributed_predict import TileCluster
from hsi.errors import UserError
from hsi.predict_tiles import predict_unlabelled


def _cluster(args) -> contextlib.AbstractContextManager:
    """The Dask cluster the tiles go to, or none (this process)."""
    if args.workers is not None or args.scheduler is not None:
        return TileCluster(args.workers, args.scheduler, args.threads)
    if args.threads is not None:
        raise UserError("--threads sets the threads of each worker; give --workers N or --scheduler too.")
    return contextlib.nullcontext()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="hsi-predict",
        description=help_text(__doc__),
        epilog="Example: hsi-predict outputs/2026-11-28/10-00-00 flight_2.tif --out flight_2_classes.tif",
    )
    parser.add_argument(
        "run_dir", type=Path, help="a run folder written by hsi-train, or a sweep folder (its runs averaged)"
    )
    parser.add_argument("scene", type=Path, help="the cube: GeoTIFF (read tile by tile), ENVI .hdr, .mat, .npy or .npz")
    parser.add_argument(
        "--out",
        type=Path,
        help="the class map to write (default: RUN_DIR-predict/SCENE.tif); OUT-confidence.tif beside it holds the "
        "top class probability and the normalised entropy of every pixel",
    )
    parser.add_argument("--key", help="the variable of the cube in a .mat or .npz file (optional if it holds one)")
    parser.add_argument("--tile", type=int, default=256, help="tile side in pixels; memory grows with it (default 256)")
    parser.add_argument("--probabilities", action="store_true", help="also OUT-probabilities.tif, a band per class")
    parser.add_argument(
        "--workers", type=int, help="predict the tiles on a Dask cluster of N worker processes on this machine"
    )
    parser.add_argument(
        "--scheduler", help="predict the tiles on the running Dask cluster at this address (tcp://HOST:8786)"
    )
    parser.add_argument("--threads", type=int, help="torch threads per worker (default: the cores shared out)")
    add_inference_options(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    out = args.out or args.run_dir.parent / f"{args.run_dir.name}-predict" / f"{args.scene.stem}.tif"
    try:
        with _cluster(args) as cluster:
            done = predict_unlabelled(
                args.run_dir,
                args.scene,
                out,
                args.tile,
                args.key,
                args.precision,
                args.device,
                args.probabilities,
                cluster=cluster,
            )
    except UserError as error:
        fail("hsi-predict", error)
    print("\n".join(done["outputs"]))


if __name__ == "__main__":
    main()
