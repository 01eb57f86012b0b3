"""Numbers as the reports print them. A leaf module."""

from __future__ import annotations

import math


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


def marked_block(text: str, name: str) -> str | None:
    """The text between ``<!-- name:start -->`` and ``<!-- name:end -->``; None without those markers."""
    start, end = _markers(name)
    if start not in text or end not in text.split(start, 1)[1]:
        return None
    return text.split(start, 1)[1].split(end, 1)[0]


def replace_marked_block(text: str, name: str, block: str) -> str:
    """``text`` with its marked block ``name`` replaced by ``block``; everything outside the markers kept."""
    if marked_block(text, name) is None:
        start, end = _markers(name)
        raise ValueError(f"no {start.strip()} ... {end} section")
    start, end = _markers(name)
    head, rest = text.split(start, 1)
    return f"{head}{start}{block}{end}{rest.split(end, 1)[1]}"
