"""Downloading one file with a progress bar, resumable, never leaving a partial file under its final name."""

from __future__ import annotations

import os
import urllib.request
from pathlib import Path

from tqdm import tqdm


def download_file(url: str, target: Path, timeout: float = 20.0) -> None:
    """Fetch ``url`` into ``target``; the bytes land in ``target.part`` and are renamed at the end.

    A ``.part`` left by an interrupted download is resumed with an HTTP Range request when the
    server honours it (206), and started over otherwise. Raises ``OSError`` (``URLError`` is
    one) when the network or the server fails; the caller decides what to fall back to.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    have = partial.stat().st_size if partial.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        resumed = have > 0 and getattr(response, "status", None) == 206
        remaining = int(response.headers.get("Content-Length") or 0) or None
        total = (have + remaining) if (resumed and remaining) else remaining
        with open(partial, "ab" if resumed else "wb") as out, tqdm(
            total=total, initial=have if resumed else 0, unit="B", unit_scale=True,
            desc=f"download {target.name}", disable=None, leave=False,
        ) as bar:
            while chunk := response.read(1 << 16):
                out.write(chunk)
                bar.update(len(chunk))
    os.replace(partial, target)
