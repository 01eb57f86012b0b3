"""Predicted maps for other software: an ENVI classification file and a NumPy archive."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

import numpy as np
from spectral.io import envi

from hsi.files import write_atomically


def export_envi_classification(
    path_hdr: Path, labels: np.ndarray, class_names: list[str], colours: np.ndarray, header: dict | None = None
) -> Path:
    """Write ``labels`` (1..K, 0 = unclassified) as an ENVI classification file with names and colours.

    ``header``: more header fields, such as the input's ``map info`` (see :class:`~hsi.data.georef.Georeference`).

    `spectral` writes the header and the data file; both go to a temporary folder first and
    are moved into place, so a killed process never leaves a half-written pair.
    """
    path_hdr = Path(path_hdr)
    path_hdr.parent.mkdir(parents=True, exist_ok=True)
    dtype = np.uint8 if len(class_names) < 255 else np.uint16
    with tempfile.TemporaryDirectory(dir=path_hdr.parent) as tmp:
        tmp_hdr = Path(tmp) / path_hdr.name
        envi.save_classification(
            str(tmp_hdr),
            labels.astype(dtype),
            dtype=dtype,
            force=True,
            class_names=["Unclassified", *class_names],
            class_colors=[int(v) for v in np.asarray(colours[: len(class_names) + 1]).ravel()],
            metadata=dict(header or {}),
        )
        data_name = tmp_hdr.with_suffix(".img").name
        os.replace(Path(tmp) / data_name, path_hdr.with_name(data_name))
        os.replace(tmp_hdr, path_hdr)
    return path_hdr


def export_predictions(path: Path, labels: np.ndarray, probabilities: np.ndarray, class_names: list[str]) -> Path:
    """``predictions.npz``: labels (H, W) 1..K, probabilities (H, W, K) float32, class names."""
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        labels=labels.astype(np.int16),
        probabilities=probabilities.astype(np.float32),
        class_names=np.array(class_names),
    )
    write_atomically(Path(path), buffer.getvalue())
    return Path(path)
