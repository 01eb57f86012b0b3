"""Downloading one file with a progress bar, never leaving a partial file under its final name."""

from __future__ import annotations

import os
import shutil
import urllib.request
from pathlib import Path

from tqdm import tqdm


def download_file(url: str, target: Path, timeout: float = 20.0) -> None:
    """Fetch ``url`` into ``target``; the bytes land in ``target.part`` and are renamed at the end.

    Raises ``OSError`` (or ``urllib.error.URLError``, a subclass) when the network or the
    server fails; the caller decides what to fall back to.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(partial, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(
                total=total, unit="B", unit_scale=True, desc=f"download {target.name}",
                disable=None, leave=False,
            ) as bar:
                while chunk := response.read(1 << 16):
                    out.write(chunk)
                    bar.update(len(chunk))
        os.replace(partial, target)
    finally:
        if partial.exists():
            partial.unlink()


def copy_atomically(source: Path, target: Path) -> None:
    """Copy a file so that ``target`` is either absent or complete."""
    partial = Path(target).with_name(Path(target).name + ".part")
    shutil.copyfile(source, partial)
    os.replace(partial, target)
