"""Class colours: by default one built for telling many categories apart, or the palette of `spectral`.

``glasbey`` (the default) is colorcet's ``glasbey_bw_minc_20_minl_30``: colours chosen one by one
to lie as far as possible from all the earlier ones in a perceptual colour space (Glasbey, Heijden,
Toh and Gray, "Colour displays for categorical images", Color Research and Application 32(4),
2007), leaving out greys and dark colours so that every class stands apart from the black of
unlabelled pixels. ``spectral`` is the palette of the reference notebooks, which gives Indian
Pines four greens and two blues that are hard to tell apart.
"""

from __future__ import annotations

import colorcet
import matplotlib.colors as mcolors
import numpy as np
import spectral

from hsi.errors import UserError


def class_palette(num_classes: int, palette: str | list | None = "glasbey") -> np.ndarray:
    """``(K + 1, 3)`` uint8 colours; row 0 is for unlabelled pixels (black), row k for class k.

    ``palette`` is ``glasbey`` (256 distinct colours, cycled past that), ``spectral``
    (spectral.spy_colors, cycled past its length) or a list of K colours that matplotlib
    understands (names or ``#rrggbb``).
    """
    if palette in (None, "glasbey"):
        base = np.round(np.asarray(colorcet.glasbey_bw_minc_20_minl_30) * 255).astype(np.uint8)
        return np.vstack([[0, 0, 0], base[np.arange(num_classes) % len(base)]]).astype(np.uint8)
    if palette == "spectral":
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
