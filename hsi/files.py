"""Files that are never half-written, figures without pyplot's global state, and strict JSON.

A leaf module: it imports nothing of hsi but its error type, so every layer may use it.
"""

from __future__ import annotations

import io
import json
import math
import os
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from hsi.errors import UserError


def write_atomically(path: Path, data: bytes | str) -> None:
    """Write to a temporary name beside ``path`` and rename, so ``path`` is never half-written.

    A process killed before the rename leaves the previous version of ``path`` intact. A
    full disk or a read-only folder becomes a plain :class:`UserError` (the previous version
    is intact then too).
    """
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(
            f"Could not write {path} ({exc.strerror or exc}); free some disk space or choose a writable "
            "output folder, then run again (any earlier version of the file is intact)."
        ) from exc


def new_figure(**kwargs) -> Figure:
    """A matplotlib figure outside pyplot: no backend to choose, no global state, freed with its last reference."""
    return Figure(**kwargs)


def save_figure(fig: Figure, path: Path, dpi: int = 120) -> None:
    """A PNG of ``fig`` written atomically."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    write_atomically(path, buffer.getvalue())


def strict_json(value) -> str:
    """JSON that jq and browsers accept: NaN and infinities become null (undefined), never bare NaN."""

    def clean(v):
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        if isinstance(v, np.integer):
            return int(v)
        if isinstance(v, np.floating):
            return clean(float(v))
        if isinstance(v, np.ndarray):
            return clean(v.tolist())
        return v

    return json.dumps(clean(value), indent=2, allow_nan=False) + "\n"
