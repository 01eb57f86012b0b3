"""Where in a whole `hsi-train` run its resident memory peaks: RSS sampled every 0.1 s, per log interval.

    HSI_DATA_DIR=/path/to/data python scripts/memory_trace.py trainer.epochs=2

Runs ``hsi-train`` with the given overrides in a temporary folder, reads the process's resident
memory (VmRSS in /proc) every 0.1 s, then prints, for each stretch of the run between two lines of
its log, the highest memory sampled there, and the whole run's peak as the kernel recorded it
(VmHWM). Memory does not depend on how busy the CPU is, so this needs no quiet machine. Linux only.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _status_kb(pid: int, field: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


def trace(overrides: list[str], folder: Path) -> tuple[list[tuple[dt.datetime, float]], float]:
    """``(time, MB)`` samples of the run's resident memory, and its high-water mark in MB."""
    command = ["hsi-train", *overrides, f"hydra.run.dir={folder}"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    samples, high = [], 0
    while process.poll() is None:
        rss, hwm = _status_kb(process.pid, "VmRSS"), _status_kb(process.pid, "VmHWM")
        if rss is not None:
            samples.append((dt.datetime.now(), rss / 1024))
            high = max(high, hwm or 0)
        time.sleep(0.1)
    if process.returncode:
        sys.exit(f"hsi-train exited with {process.returncode}; run it alone to see why")
    return samples, high / 1024


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
        samples, high = trace(sys.argv[1:], folder)
        lines = log_lines(folder / "train.log")
    print("| until the log line | peak RSS in the stretch (MB) |\n|---|---:|")
    start = samples[0][0]
    for stamp, text in [*lines, (samples[-1][0], "(end of the process)")]:
        stretch = [mb for t, mb in samples if start <= t <= stamp]
        if stretch:
            print(f"| {text.replace('|', '/')} | {max(stretch):.0f} |")
        start = stamp
    print(f"\nsampled peak {max(mb for _, mb in samples):.0f} MB; the kernel's high-water mark {high:.0f} MB")


if __name__ == "__main__":
    main()
