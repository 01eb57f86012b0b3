"""Class colours: by default the palette of `spectral` (what users of the reference notebooks know)."""

from __future__ import annotations

import matplotlib.colors as mcolors
import numpy as np
import spectral

from hsi.errors import UserError


def class_palette(num_classes: int, palette: str | list | None = "spectral") -> np.ndarray:
    """``(K + 1, 3)`` uint8 colours; row 0 is for unlabelled pixels (black), row k for class k.

    ``palette`` is ``spectral`` (spectral.spy_colors, cycled past its length) or a list of K
    colours that matplotlib understands (names or ``#rrggbb``).
    """
    if palette in (None, "spectral"):
        base = np.asarray(spectral.spy_colors, dtype=np.uint8)
        rows = [base[0]] + [base[1 + (k % (len(base) - 1))] for k in range(num_classes)]
        return np.stack(rows)
    colours = list(palette)
    if len(colours) != num_classes:
        raise UserError(f"maps.palette lists {len(colours)} colours for {num_classes} classes; give one per class.")
    try:
        rgb = [np.round(np.array(mcolors.to_rgb(c)) * 255) for c in colours]
    except ValueError as exc:
        raise UserError(f"maps.palette holds a colour matplotlib does not know ({exc}); use names or #rrggbb.") from exc
    return np.vstack([[0, 0, 0], *rgb]).astype(np.uint8)


def colourise(labels: np.ndarray, colours: np.ndarray) -> np.ndarray:
    """``(H, W)`` labels 0..K -> ``(H, W, 3)`` uint8 image."""
    return colours[labels]
