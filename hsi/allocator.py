"""glibc's malloc, set so that a training run's resident memory does not creep up epoch by epoch.

glibc gives an allocation above its mmap threshold a mapping of its own, returned to the system
when freed. The threshold starts at 128 KiB but rises (up to 32 MiB on 64-bit machines) to the
size of every such mapping that is freed, so after the first training steps a network's
activations (1-30 MB each here) come from the heap instead, whose free space fragments and is
kept: the resident memory of a default run rose by about 60 MB an epoch for its first epochs
(941, 1,012 and 1,065 MB, ``scripts/memory_trace.py``). A fixed threshold of 1 MiB (setting it
also stops it moving) keeps large tensors in their own mappings; docs/speed.md has the measurement.
"""

from __future__ import annotations

import ctypes
import os
import sys

M_MMAP_THRESHOLD = -3  # mallopt's parameter number, from glibc's malloc.h
THRESHOLD_BYTES = 1 << 20


def fix_mmap_threshold(nbytes: int = THRESHOLD_BYTES) -> bool:
    """Fix glibc's mmap threshold at ``nbytes``; whether it was set (not on other C libraries, or when the
    user chose one with the MALLOC_MMAP_THRESHOLD_ environment variable, which glibc reads itself)."""
    if not sys.platform.startswith("linux") or "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(M_MMAP_THRESHOLD, nbytes))
    except (OSError, AttributeError):  # not glibc
        return False
