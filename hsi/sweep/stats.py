"""The statistics of a sweep: t-intervals, the nested variance decomposition, paired tests."""

from __future__ import annotations

import math

import numpy as np
from scipy import special, stats

MIN_RUNS_FOR_INTERVAL = 3  # below this, an interval from the runs' own spread says nothing useful


def describe(values: list[float], confidence: float = 0.95, bounded: bool = False) -> dict:
    """count, mean, sample standard deviation, min, max and a Student-t interval.

    With ``bounded`` (shares in [0, 1], such as OA and AA) the interval is computed on the logit
    scale and mapped back, so it never leaves [0, 1]; it is then an interval for the typical
    (logit-mean) value of the runs. Below :data:`MIN_RUNS_FOR_INTERVAL` runs there is no interval.
    """
    x = np.asarray(values, dtype=float)
    n = len(x)
    out = {
        "count": n,
        "mean": float(x.mean()) if n else math.nan,
        "std": float(x.std(ddof=1)) if n > 1 else math.nan,
        "min": float(x.min()) if n else math.nan,
        "max": float(x.max()) if n else math.nan,
    }
    out["ci_low"] = out["ci_high"] = math.nan
    if n < MIN_RUNS_FOR_INTERVAL:
        return out
    t = stats.t.ppf(0.5 + confidence / 2, n - 1)
    if bounded:
        eps = 1e-6  # a run at exactly 0 or 1 has an infinite logit
        z = special.logit(np.clip(x, eps, 1 - eps))
        half = t * z.std(ddof=1) / math.sqrt(n)
        out["ci_low"], out["ci_high"] = float(special.expit(z.mean() - half)), float(special.expit(z.mean() + half))
    else:
        half = t * out["std"] / math.sqrt(n)
        out["ci_low"], out["ci_high"] = out["mean"] - half, out["mean"] + half
    return out


def mls_interval(
    c1: float, ms1: float, df1: int, c2: float, ms2: float, df2: int, confidence: float = 0.95
) -> tuple[float, float]:
    """Modified large-sample interval for ``c1 * ms1 - c2 * ms2``, a difference of independent mean squares.

    Graybill and Wang (1980), in the form of Burdick and Graybill, "Confidence Intervals on
    Variance Components" (1992), section 3.3: it keeps close to its nominal coverage on small
    designs, where Satterthwaite's interval does not. Bounds below zero are clipped to zero.
    """
    a = (1 - confidence) / 2
    f = stats.f.ppf
    g1, g2 = 1 - df1 / stats.chi2.ppf(1 - a, df1), 1 - df2 / stats.chi2.ppf(1 - a, df2)
    h1, h2 = df1 / stats.chi2.ppf(a, df1) - 1, df2 / stats.chi2.ppf(a, df2) - 1
    f_hi, f_lo = f(1 - a, df1, df2), f(a, df1, df2)
    g12 = ((f_hi - 1) ** 2 - g1**2 * f_hi**2 - h2**2) / f_hi
    h12 = ((1 - f_lo) ** 2 - h1**2 * f_lo**2 - g2**2) / f_lo
    estimate = c1 * ms1 - c2 * ms2
    low = estimate - math.sqrt(max(0.0, g1**2 * c1**2 * ms1**2 + h2**2 * c2**2 * ms2**2 + g12 * c1 * c2 * ms1 * ms2))
    high = estimate + math.sqrt(max(0.0, h1**2 * c1**2 * ms1**2 + g2**2 * c2**2 * ms2**2 + h12 * c1 * c2 * ms1 * ms2))
    return max(0.0, low), max(0.0, high)


def chi2_interval(ms: float, df: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact interval for the expected value of a mean square with ``df`` degrees of freedom."""
    a = (1 - confidence) / 2
    return df * ms / stats.chi2.ppf(1 - a, df), df * ms / stats.chi2.ppf(a, df)


def _nested_mean_squares(y: np.ndarray) -> tuple[tuple, tuple]:
    """Mean squares and degrees of freedom of split, init within split and replicate within init."""
    a, b, r = y.shape
    grand = y.mean()
    split_means = y.mean(axis=(1, 2))
    cell_means = y.mean(axis=2)
    df_split, df_init, df_noise = a - 1, a * (b - 1), a * b * (r - 1)
    ms_split = b * r * ((split_means - grand) ** 2).sum() / df_split
    ms_init = r * ((cell_means - split_means[:, None]) ** 2).sum() / df_init
    ms_noise = ((y - cell_means[:, :, None]) ** 2).sum() / df_noise if df_noise else None
    return (ms_split, ms_init, ms_noise), (df_split, df_init, df_noise)


def f_test(num: float, df_num: int, den: float | None, df_den: int) -> dict:
    """The F ratio ``num / den`` and its upper-tail p-value; undefined (None) without a denominator."""
    if den is None or not df_den:
        return {"F": None, "p_value": None, "df": [df_num, df_den]}
    if den == 0:
        return {"F": None if num == 0 else math.inf, "p_value": None if num == 0 else 0.0, "df": [df_num, df_den]}
    value = num / den
    return {"F": value, "p_value": float(stats.f.sf(value, df_num, df_den)), "df": [df_num, df_den]}


def variance_components(grid: np.ndarray, confidence: float = 0.95) -> dict:
    """Nested random-effects ANOVA of a ``(splits, inits, replicates)`` array of one metric.

    The design the sweep makes: each ``split_seed`` draws a training set, and each
    ``init_seed`` then draws weights and a batch order *for that training set*, so an init seed
    is not one treatment shared by all splits: initialisation is nested within split. With
    replicates (the same two seeds run again, ``replicate=0,1``) what is left is the kernels'
    nondeterminism. Model, for split i, init j within it and replicate k:

        y_ijk = mu + A_i + B_j(i) + e_ijk,  A ~ (0, s2_split), B ~ (0, s2_init), e ~ (0, s2_noise)

    Expected mean squares: E[MS_split] = s2_noise + r s2_init + b r s2_split,
    E[MS_init] = s2_noise + r s2_init, E[MS_noise] = s2_noise (b inits per split, r replicates),
    so s2_split = (MS_split - MS_init) / (b r) and s2_init = (MS_init - MS_noise) / r, truncated
    at zero (the ANOVA estimators). With one run per cell, s2_init holds the noise too. F tests:
    MS_split / MS_init and MS_init / MS_noise. Intervals: :func:`mls_interval` (differences), :func:`chi2_interval`.
    """
    y = np.asarray(grid, dtype=float)
    if y.ndim == 2:
        y = y[:, :, None]
    a, b, r = y.shape
    if a < 2 or b < 2:
        raise ValueError(f"the variance study needs at least 2 splits with 2 inits each, got {a}x{b}")
    (ms_split, ms_init, ms_noise), (df_split, df_init, df_noise) = _nested_mean_squares(y)
    variances = {"split": max(0.0, (ms_split - ms_init) / (b * r))}
    intervals = {"split": mls_interval(1 / (b * r), ms_split, df_split, 1 / (b * r), ms_init, df_init, confidence)}
    tests = {"split": f_test(ms_split, df_split, ms_init, df_init)}
    if ms_noise is None:  # one run per cell: initialisation and noise are one component
        variances["init"] = ms_init
        intervals["init"] = chi2_interval(ms_init, df_init, confidence)
    else:
        variances["init"] = max(0.0, (ms_init - ms_noise) / r)
        intervals["init"] = mls_interval(1 / r, ms_init, df_init, 1 / r, ms_noise, df_noise, confidence)
        tests["init"] = f_test(ms_init, df_init, ms_noise, df_noise)
        variances["noise"] = ms_noise
        intervals["noise"] = chi2_interval(ms_noise, df_noise, confidence)
    total = sum(variances.values())
    return {
        "design": "init nested within split" + (", replicates within init" if r > 1 else ""),
        "grid_shape": [a, b, r],
        "replicates": r,
        "init_includes_noise": r == 1,
        "variances": variances,
        "shares": {k: (v / total if total > 0 else None) for k, v in variances.items()},
        "intervals": {k: list(v) for k, v in intervals.items()},
        "confidence": confidence,
        "f_tests": tests,
        "mean_squares": {"split": ms_split, "init": ms_init, "noise": ms_noise},
        "degrees_of_freedom": {"split": df_split, "init": df_init, "noise": df_noise},
    }


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


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjustment of several p-values (Holm 1979), in the order given.

    Sorted ascending, the i-th smallest of m is multiplied by (m - i + 1), kept at least as large as
    the one before it and at most 1. It controls the family-wise error rate for any dependence
    between the tests, which paired tests on shared splits have. NaN p-values are left out and stay NaN.
    """
    values = np.asarray(p_values, dtype=float)
    valid = np.flatnonzero(~np.isnan(values))
    order = valid[np.argsort(values[valid], kind="stable")]
    m, running, adjusted = len(order), 0.0, np.full(values.shape, np.nan)
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * values[index]))
        adjusted[index] = running
    return adjusted.tolist()
