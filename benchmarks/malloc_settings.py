"""Peak memory and step time of a short `hsi-train` run under several glibc malloc settings.

    HSI_DATA_DIR=/path/to/data python -m benchmarks.malloc_settings            # 6 epochs, seed 100
    HSI_DATA_DIR=/path/to/data python -m benchmarks.malloc_settings --epochs 20

A default run's peak resident memory passes 1 GB while it trains because glibc serves the
batch's activations (5-53 MB each at batch 64) from its heap once its dynamic mmap threshold has
risen, and the heap's free space fragments (studies/history/speed.md). A fixed threshold keeps them in
mappings of their own, returned at each free, but each step then faults in and zeroes their
pages again, 4 KiB at a time. glibc 2.35+ can back its allocations with transparent huge pages
(the tunable ``glibc.malloc.hugetlb=1``, where the kernel's THP mode is ``madvise`` or
``always``), which would fault 2 MiB at a time; so can PyTorch's own CPU allocator for its
tensors of 2 MiB or more (the environment variable ``THP_MEM_ALLOC_ENABLE=1``). This script runs
the same training once per setting, one process at a time, and prints a Markdown table: the
run's peak RSS (the kernel's high-water mark, from its metrics.json), the mean time of an
epoch's training steps, and the last epoch's training loss (the numerics must not depend on
where memory lives). Each setting is passed only in the child's environment. Run it alone on
the machine: step times are timed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

SETTINGS = {  # name: (environment added for the child, hsi-train overrides)
    "glibc": ({}, ["allocator=glibc"]),
    "threshold": ({"GLIBC_TUNABLES": "glibc.malloc.mmap_threshold=1048576"}, ["allocator=glibc"]),
    "threshold+glibc-thp": (
        {"GLIBC_TUNABLES": "glibc.malloc.mmap_threshold=1048576:glibc.malloc.hugetlb=1"},
        ["allocator=glibc"],
    ),
    "lean": ({}, ["allocator=lean"]),  # hsi's: the threshold fixed with mallopt + PyTorch's huge pages
}


def run(extra_env: dict[str, str], overrides: list[str]) -> dict:
    """One hsi-train run in a temporary folder with ``extra_env`` added; its metrics.json."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "run"
        env = {**os.environ, **extra_env}
        done = subprocess.run(
            ["hsi-train", *overrides, f"hydra.run.dir={folder}"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        if done.returncode:
            sys.exit(f"hsi-train failed under {extra_env}:\n{done.stderr[-2000:]}")
        return json.loads((folder / "metrics.json").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--seed", type=int, default=100, help="an unreported seed (100)")
    parser.add_argument("--only", nargs="+", choices=list(SETTINGS), help="a subset of the settings")
    args = parser.parse_args()
    overrides = [f"seed={args.seed}", f"trainer.epochs={args.epochs}"]
    print(f"`hsi-train {' '.join(overrides)}`, one run per setting, one at a time\n")
    print("| setting | environment and overrides | peak RSS (MB) | training steps per epoch (s) | last training loss |")
    print("|---|---|---:|---:|---:|")
    for name in args.only or SETTINGS:
        extra_env, extra_overrides = SETTINGS[name]
        metrics = run(extra_env, [*overrides, *extra_overrides])
        history = metrics["history"]
        steps = history[-1]["step_seconds"] / len(history)  # the history's step seconds are cumulative
        environment = " ".join([*(f"{k}={v}" for k, v in extra_env.items()), *extra_overrides])
        peak = metrics["environment"]["peak_rss_mb"]
        print(f"| {name} | `{environment}` | {peak:,.0f} | {steps:.1f} | {history[-1]['train_loss']:.6f} |", flush=True)


if __name__ == "__main__":
    main()
