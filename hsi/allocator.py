"""Memory for the process: large tensors in mappings of their own, backed by huge pages.

glibc gives an allocation above its mmap threshold a mapping of its own, returned to the system
when freed. The threshold starts at 128 KiB but rises (up to 32 MiB on 64-bit machines) to the
size of every such mapping that is freed, so after the first training steps a network's
activations (5-53 MB each in HybridSN at batch 64) come from the heap instead, whose free space
fragments and is kept: a default run's resident memory rose about 60 MB an epoch for its first
epochs and peaked at 1,096 MB (studies/history/speed.md). Fixing the threshold at 1 MiB keeps large tensors
in their own mappings (962 MB), but each training step then faults their pages in again, 4 KiB
at a time, which cost 10% of the training time. PyTorch's CPU allocator can ask the kernel for
transparent huge pages for its tensors of 2 MiB or more (``THP_MEM_ALLOC_ENABLE``), which faults
them in 2 MiB at a time. ``lean`` does both; ``glibc`` leaves the C library's defaults alone.

Both settings are process-wide and take hold for the tensors allocated after them: PyTorch reads
its variable once, at its first large allocation, so :func:`use_allocator` runs before any
tensor is made, and in a sweep the first run's choice holds for the whole process.
"""

from __future__ import annotations

import ctypes
import os
import sys

from hsi.errors import UserError

ALLOCATORS = ("lean", "glibc")
M_MMAP_THRESHOLD = -3  # mallopt's parameter number, from glibc's malloc.h
THRESHOLD_BYTES = 1 << 20
TORCH_HUGE_PAGES = "THP_MEM_ALLOC_ENABLE"

_applied: list[str] = []  # what this process has set, for the run's record


def _user_set_threshold() -> bool:
    """Whether the user chose glibc's mmap threshold already (glibc reads these itself at start)."""
    return "MALLOC_MMAP_THRESHOLD_" in os.environ or "mmap_threshold" in os.environ.get("GLIBC_TUNABLES", "")


def _fix_mmap_threshold(nbytes: int) -> bool:
    """Fix glibc's mmap threshold at ``nbytes`` (setting it also stops it moving); False off glibc."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(M_MMAP_THRESHOLD, nbytes))
    except (OSError, AttributeError):  # not glibc
        return False


def allocator_settings() -> list[str]:
    """What :func:`use_allocator` has set in this process, in words (empty: the C library's defaults)."""
    return list(_applied)


def use_allocator(choice: str) -> None:
    """Apply ``choice`` (``lean`` or ``glibc``) to this process, once: the first call that asks for ``lean`` holds.

    A setting the user made in the environment (``MALLOC_MMAP_THRESHOLD_``, an mmap threshold in
    ``GLIBC_TUNABLES``, ``THP_MEM_ALLOC_ENABLE``) is left as the user made it. Only Linux has these
    knobs; elsewhere nothing is set.
    """
    if choice not in ALLOCATORS:
        raise UserError(f"allocator is '{choice}'; choose one of {', '.join(ALLOCATORS)}.")
    if choice == "lean" and sys.platform.startswith("linux") and not _applied:
        if _user_set_threshold():
            _applied.append("glibc's mmap threshold as set in the environment")
        elif _fix_mmap_threshold(THRESHOLD_BYTES):
            _applied.append("glibc's mmap threshold fixed at 1 MiB")
        if TORCH_HUGE_PAGES in os.environ:
            _applied.append(f"{TORCH_HUGE_PAGES}={os.environ[TORCH_HUGE_PAGES]} as set in the environment")
        else:
            os.environ[TORCH_HUGE_PAGES] = "1"
            _applied.append("PyTorch's huge pages for tensors of 2 MiB or more")
