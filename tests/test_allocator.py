"""The fixed mmap threshold: large blocks keep their own mappings after a larger one was freed."""

from __future__ import annotations

import subprocess
import sys

import pytest

from hsi.allocator import fix_mmap_threshold

glibc_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc is Linux's")

# In a fresh process: free an 8 MiB block (its own mapping), then take 2 MiB and report how many MiB
# glibc holds in mappings of their own (mallinfo2().hblkhd): 0 when the threshold rose to 8 MiB.
PROBE = """
import ctypes, sys
from hsi.allocator import fix_mmap_threshold
libc = ctypes.CDLL("libc.so.6")
NAMES = "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost"
class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in NAMES.split()]
libc.mallinfo2.restype = Info
libc.malloc.restype, libc.malloc.argtypes, libc.free.argtypes = ctypes.c_void_p, [ctypes.c_size_t], [ctypes.c_void_p]
if sys.argv[1] == "fixed":
    assert fix_mmap_threshold()
libc.free(libc.malloc(8 << 20))
block = libc.malloc(2 << 20)
print(libc.mallinfo2().hblkhd >> 20)
"""


def mapped_mib(mode: str, **env) -> int:
    done = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, env=env or None)
    if "mallinfo2" in done.stderr:
        pytest.skip("this C library has no mallinfo2 (glibc before 2.33, or not glibc)")
    assert done.returncode == 0, done.stderr
    return int(done.stdout)


@glibc_only
def test_a_fixed_threshold_keeps_large_blocks_in_their_own_mappings():
    assert mapped_mib("default") == 0  # glibc's own rule: the threshold followed the freed 8 MiB block
    assert mapped_mib("fixed") == 2


@glibc_only
def test_the_users_own_setting_is_left_alone(monkeypatch):
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "65536")
    assert fix_mmap_threshold() is False
