"""Checkpoints: weights plus everything needed to predict a scene later, loadable weights-only."""

from __future__ import annotations

import io
from pathlib import Path

import torch

from hsi.errors import UserError
from hsi.files import write_atomically


def save_checkpoint(path: Path, payload: dict) -> None:
    """Save ``payload`` (tensors, numbers, strings, lists and dicts only) atomically."""
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    write_atomically(Path(path), buffer.getvalue())


def load_checkpoint(path: Path) -> dict:
    """Load a checkpoint with ``weights_only=True``: no arbitrary code runs from the file."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"No checkpoint at {path}; point to the run folder of a finished run.")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise UserError(f"{path} is not a readable hsi checkpoint ({exc}); it may be truncated or foreign.") from exc
