"""The statistics of a sweep: t-intervals, the two-way variance decomposition, paired tests."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats


def describe(values: list[float], confidence: float = 0.95) -> dict:
    """count, mean, sample standard deviation, min, max and a Student-t interval of the mean."""
    x = np.asarray(values, dtype=float)
    n = len(x)
    out = {"count": n, "mean": float(x.mean()) if n else math.nan,
           "std": float(x.std(ddof=1)) if n > 1 else math.nan,
           "min": float(x.min()) if n else math.nan, "max": float(x.max()) if n else math.nan}
    if n > 1:
        half = stats.t.ppf(0.5 + confidence / 2, n - 1) * out["std"] / math.sqrt(n)
        out["ci_low"], out["ci_high"] = out["mean"] - half, out["mean"] + half
    else:
        out["ci_low"] = out["ci_high"] = math.nan
    return out


def variance_components(grid: np.ndarray) -> dict:
    """Two-way random-effects decomposition of a ``(splits, inits)`` grid with one run per cell.

    Model: y_ij = mu + a_i + b_j + e_ij with a_i ~ (0, s2_split), b_j ~ (0, s2_init) and the
    residual e_ij ~ (0, s2_rest) (interaction and noise, which one run per cell cannot tell
    apart). Expected mean squares give s2_split = (MS_split - MS_rest) / J and
    s2_init = (MS_init - MS_rest) / I, truncated at zero (the ANOVA estimator).
    """
    y = np.asarray(grid, dtype=float)
    i, j = y.shape
    if i < 2 or j < 2:
        raise ValueError(f"the variance study needs at least a 2x2 grid, got {i}x{j}")
    grand = y.mean()
    rows, cols = y.mean(axis=1), y.mean(axis=0)
    ms_split = j * ((rows - grand) ** 2).sum() / (i - 1)
    ms_init = i * ((cols - grand) ** 2).sum() / (j - 1)
    residual = y - rows[:, None] - cols[None, :] + grand
    ms_rest = (residual**2).sum() / ((i - 1) * (j - 1))
    components = {
        "split": max(0.0, (ms_split - ms_rest) / j),
        "init": max(0.0, (ms_init - ms_rest) / i),
        "residual": ms_rest,
    }
    total = sum(components.values())
    shares = {k: (v / total if total > 0 else math.nan) for k, v in components.items()}
    return {"grid_shape": [i, j], "variances": components, "shares": shares,
            "mean_squares": {"split": ms_split, "init": ms_init, "residual": ms_rest}}


def paired_comparison(a: list[float], b: list[float]) -> dict:
    """Paired t-test (scipy.stats.ttest_rel) of b - a over runs that share their seeds."""
    x, y = np.asarray(a, float), np.asarray(b, float)
    diff = y - x
    result = {"pairs": len(diff), "mean_difference": float(diff.mean()) if len(diff) else math.nan}
    if len(diff) > 1 and np.ptp(diff) > 0:
        test = stats.ttest_rel(y, x)
        result.update(t=float(test.statistic), p_value=float(test.pvalue))
    else:
        result.update(t=math.nan, p_value=math.nan)
    return result
