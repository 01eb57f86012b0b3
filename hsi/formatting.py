"""Numbers as the reports print them. A leaf module."""

from __future__ import annotations

import math
import re


def undefined(x) -> bool:
    """None or NaN: a value that does not exist (an untested class, a statistic of one run)."""
    return x is None or (isinstance(x, float) and math.isnan(x))


def pct(x: float | None, missing: str = "n/a") -> str:
    """A share as a percentage with two decimals; ``missing`` where it is undefined."""
    return missing if undefined(x) else f"{100 * x:.2f}"


def pvalue(p: float | None) -> str:
    """A p-value to three significant digits; "n/a" where it is undefined."""
    return "n/a" if undefined(p) else f"{p:.3g}"


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->\n", f"<!-- {name}:end -->"


class MarkedBlockError(ValueError):
    """A file's marked section is missing or given twice, so there is no one place to write."""


def _block_span(text: str, name: str) -> tuple[int, int] | None:
    """Where the text between the markers of ``name`` lies; None without both markers.

    A start marker counts only on a line of its own (prose may quote it); a section given twice
    is an error, since only one of the two could be kept up to date.
    """
    start, end = _markers(name)
    starts = [m.end() for m in re.finditer("^" + re.escape(start), text, re.MULTILINE)]
    if len(starts) > 1:
        raise MarkedBlockError(f"{len(starts)} {start.strip()} sections where there must be one")
    stop = text.find(end, starts[0]) if starts else -1
    return None if stop < 0 else (starts[0], stop)


def marked_block(text: str, name: str) -> str | None:
    """The text between ``<!-- name:start -->`` and ``<!-- name:end -->``; None without those markers."""
    span = _block_span(text, name)
    return None if span is None else text[span[0] : span[1]]


def replace_marked_block(text: str, name: str, block: str) -> str:
    """``text`` with its marked block ``name`` replaced by ``block``; everything outside the markers kept."""
    span = _block_span(text, name)
    if span is None:
        start, end = _markers(name)
        raise MarkedBlockError(f"no {start.strip()} ... {end} section")
    return text[: span[0]] + block + text[span[1] :]
