"""hsi/allocator.py: ``lean`` hands a freed large tensor's memory back; glibc's defaults keep it.

Each case runs in a fresh interpreter: the settings are process-wide and PyTorch reads its
huge-page switch once, at its first large allocation.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hsi.allocator import use_allocator
from hsi.errors import UserError

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc and /proc are Linux's")

PROBE = r"""
import json, os, sys
import torch
from hsi.allocator import allocator_settings, use_allocator

def resident_mb():
    return int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20

def huge_kb():
    rollup = open("/proc/self/smaps_rollup").read().splitlines()
    return next(int(line.split()[1]) for line in rollup if line.startswith("AnonHugePages"))

use_allocator(sys.argv[1])
before = resident_mb()
# The first free of a 32 MB mapping raises glibc's dynamic threshold above 32 MB, so the next
# tensors come from the heap and, freed, stay resident there; a fixed threshold returns them.
for _ in range(3):
    tensor = torch.ones(8_000_000)  # 32 MB, every page touched
    huge = huge_kb()
    del tensor
print(json.dumps({"kept_mb": resident_mb() - before, "huge_kb": huge, "settings": allocator_settings(),
                  "torch_env": os.environ.get("THP_MEM_ALLOC_ENABLE")}))
"""

OWN_VARIABLES = ("MALLOC_MMAP_THRESHOLD_", "GLIBC_TUNABLES", "THP_MEM_ALLOC_ENABLE")


def _probe(choice: str, **env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in OWN_VARIABLES}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, choice],
        env={**clean, "OMP_NUM_THREADS": "1", **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _transparent_huge_pages() -> str:
    """The kernel's THP mode: the bracketed word of always/madvise/never."""
    path = Path("/sys/kernel/mm/transparent_hugepage/enabled")
    text = path.read_text() if path.exists() else "[never]"
    return text.split("[", 1)[1].split("]", 1)[0]


def test_glibc_defaults_keep_a_freed_large_tensor_resident():
    glibc = _probe("glibc")
    assert glibc["settings"] == []
    assert glibc["torch_env"] is None
    assert glibc["kept_mb"] > 24  # the 32 MB tensor's pages stayed in the heap


def test_lean_returns_a_freed_large_tensor_and_says_what_it_set():
    lean = _probe("lean")
    assert lean["settings"] == [
        "glibc's mmap threshold fixed at 1 MiB",
        "PyTorch's huge pages for tensors of 2 MiB or more",
    ]
    assert lean["torch_env"] == "1"
    assert lean["kept_mb"] < 8
    if _transparent_huge_pages() == "never":
        pytest.skip("the kernel's transparent huge pages are off, so no tensor can sit on them")
    assert lean["huge_kb"] >= 2048  # the live tensor sat at least partly on 2 MiB pages


def test_lean_leaves_the_users_own_settings_alone():
    own = _probe("lean", MALLOC_MMAP_THRESHOLD_="4194304", THP_MEM_ALLOC_ENABLE="0")
    assert own["settings"] == [
        "glibc's mmap threshold as set in the environment",
        "THP_MEM_ALLOC_ENABLE=0 as set in the environment",
    ]
    assert own["torch_env"] == "0"
    assert own["kept_mb"] < 8  # the user's 4 MiB threshold, fixed, returns the 32 MB tensor too


def test_an_unknown_allocator_is_refused_before_anything_is_set():
    with pytest.raises(UserError, match="allocator is 'jemalloc'; choose one of lean, glibc."):
        use_allocator("jemalloc")
