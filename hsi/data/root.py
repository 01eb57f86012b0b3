"""Where datasets live on disk: the data root."""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_ENV = "HSI_DATA_DIR"


def resolve_data_root(root: str | os.PathLike | None) -> Path:
    """The data root: the given path, else ``$HSI_DATA_DIR``, else ``data/``."""
    if root:
        return Path(root).expanduser()
    return Path(os.environ.get(DATA_DIR_ENV) or "data").expanduser()
