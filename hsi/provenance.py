"""Which code and which machine produced a result: recorded in every run, so a figure can name its commit."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

import hsi


def source_commit() -> str | None:
    """The git commit of the hsi source that is running, with ``+changes`` when tracked files differ from it;
    None for an installed wheel or without git."""
    root = Path(hsi.__file__).resolve().parent.parent

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=10)
        if done.returncode:
            raise OSError(done.stderr)
        return done.stdout.strip()

    try:
        commit = git("rev-parse", "--short=12", "HEAD")
        changed = git("status", "--porcelain", "--untracked-files=no", "--", "hsi", "configs")
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("+changes" if changed else "")


def cpu_name() -> str:
    """The CPU's model name (from /proc/cpuinfo on Linux), else what the platform says."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def peak_rss_mb() -> float | None:
    """The highest resident memory (MB) this process has held so far, as the kernel counts it.

    The runs of a sweep share one process, so for them it is the peak of all runs up to this one.
    None where the platform does not say (Windows has no ``resource`` module).
    """
    try:
        import resource
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux counts kibibytes, macOS bytes.
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10
