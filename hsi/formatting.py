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
