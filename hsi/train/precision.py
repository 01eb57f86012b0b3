"""Device and numeric precision: ``auto`` picks what is fast and safe on this machine."""

from __future__ import annotations

import contextlib
from pathlib import Path

import torch

from hsi.errors import UserError

PRECISIONS = ("auto", "fp32", "bf16", "fp16")


def resolve_device(name: str) -> torch.device:
    """``auto`` means CUDA when present, else the CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError as exc:
        raise UserError(f"trainer.device is '{name}', which torch does not know; use auto, cpu or cuda.") from exc
    if device.type == "cuda" and not torch.cuda.is_available():
        raise UserError("trainer.device asks for CUDA but no CUDA device is available; use trainer.device=auto or cpu.")
    return device


def cpu_has_native_bf16() -> bool:
    """True on CPUs with AMX or AVX-512 BF16 instructions (read from /proc/cpuinfo on Linux)."""
    cpuinfo = Path("/proc/cpuinfo")
    if not cpuinfo.is_file():
        return False
    flags = set()
    for line in cpuinfo.read_text().splitlines():
        if line.startswith("flags"):
            flags.update(line.split(":", 1)[1].split())
            break
    return bool(flags & {"avx512_bf16", "amx_bf16"})


def resolve_precision(name: str, device: torch.device) -> str:
    """``auto``: bf16 autocast on CUDA with bf16 support or on CPUs with native bf16, else fp32."""
    if name not in PRECISIONS:
        raise UserError(f"trainer.precision is '{name}'; choose one of {', '.join(PRECISIONS)}.")
    if name == "auto":
        if device.type == "cuda":
            return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
        return "bf16" if cpu_has_native_bf16() else "fp32"
    if name == "fp16" and device.type == "cpu":
        raise UserError("trainer.precision=fp16 is for CUDA devices; on the CPU use bf16 or fp32.")
    return name


def autocast(precision: str, device: torch.device):
    """The autocast context for a resolved precision (a no-op for fp32)."""
    if precision == "fp32":
        return contextlib.nullcontext()
    dtype = torch.bfloat16 if precision == "bf16" else torch.float16
    return torch.autocast(device_type=device.type, dtype=dtype)
