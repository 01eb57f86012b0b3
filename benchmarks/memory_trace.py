"""Where in a whole `hsi-train` run its resident memory peaks: RSS sampled every 0.1 s, per log interval.

    HSI_DATA_DIR=/path/to/data python -m benchmarks.memory_trace trainer.epochs=2

Runs ``hsi-train`` with the given overrides in a temporary folder, reads the process's resident
memory every 0.1 s (benchmarks/benchmark.py's ``resident_mb``), then prints, for each stretch of the
run between two lines of its log, the highest memory sampled there, and the run's own record of
its peak (``environment.peak_rss_mb`` in metrics.json, the kernel's high-water mark). Memory does
not depend on how busy the CPU is, so this needs no quiet machine. Linux only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.benchmark import resident_mb


def trace(overrides: list[str], folder: Path) -> list[tuple[dt.datetime, float]]:
    """``(time, MB)`` samples of the run's resident memory."""
    process = subprocess.Popen(
        ["hsi-train", *overrides, f"hydra.run.dir={folder}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    samples = []
    while process.poll() is None:
        with contextlib.suppress(FileNotFoundError, ProcessLookupError, IndexError):  # it ended meanwhile
            samples.append((dt.datetime.now(), resident_mb(process.pid)))
        time.sleep(0.1)
    if process.returncode:
        sys.exit(f"hsi-train exited with {process.returncode}; run it alone to see why")
    return samples


def log_lines(log: Path) -> list[tuple[dt.datetime, str]]:
    out = []
    for line in log.read_text().splitlines():
        if line.startswith("[") and "]" in line:
            stamp = dt.datetime.strptime(line[1:24], "%Y-%m-%d %H:%M:%S,%f")
            out.append((stamp, line.split(" - ", 1)[-1][:90]))
    return out


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "run"
        samples = trace(sys.argv[1:], folder)
        lines = log_lines(folder / "train.log")
        high = json.loads((folder / "metrics.json").read_text())["environment"]["peak_rss_mb"]
    print("| until the log line | peak RSS in the stretch (MB) |\n|---|---:|")
    start = samples[0][0]
    for stamp, text in [*lines, (samples[-1][0], "(end of the process)")]:
        stretch = [mb for t, mb in samples if start <= t <= stamp]
        if stretch:
            print(f"| {text.replace('|', '/')} | {max(stretch):.0f} |")
        start = stamp
    sampled = max(mb for _, mb in samples)
    print(f"\nsampled peak {sampled:.0f} MB; the run's own record (the kernel's high-water mark) {high:.0f} MB")


if __name__ == "__main__":
    main()
