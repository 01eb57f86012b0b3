"""summary.png: OA per group (box and every run), and the spread of per-class accuracy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from hsi.files import new_figure, save_figure


def plot_summary(path: Path, summary: dict) -> None:
    save_figure(summary_figure(summary), path)


def summary_figure(summary: dict) -> Figure:
    """The two panels of summary.png; the legend sits above the per-class bars, never over them."""
    groups = [(g, s) for g, s in summary["groups"].items() if s["runs"]]
    fig = new_figure(figsize=(13, 5))
    ax_oa, ax_cls = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.6]})
    data = [[100 * r["oa"] for r in s["runs"]] for _, s in groups]
    ax_oa.boxplot(data, widths=0.5, showfliers=False)
    jitter = np.random.default_rng(0)
    for i, values in enumerate(data, start=1):
        ax_oa.scatter(i + jitter.uniform(-0.12, 0.12, len(values)), values, s=14, color="tab:blue", zorder=3)
    ax_oa.set_xticks(range(1, len(groups) + 1), [g for g, _ in groups], rotation=20, ha="right", fontsize=8)
    ax_oa.set_ylabel("overall accuracy (%)")
    ax_oa.set_title("OA per group: box and every run")
    ax_oa.grid(axis="y", alpha=0.3)

    width = 0.8 / max(1, len(groups))
    for i, (group, s) in enumerate(groups):
        classes = s.get("per_class", [])
        x = np.arange(len(classes)) + (i - (len(groups) - 1) / 2) * width
        # untested classes (mean null) get no bar, not a bar at 0
        means = [np.nan if c["mean"] is None else 100 * c["mean"] for c in classes]
        stds = [0 if c["std"] is None or np.isnan(c["std"]) else 100 * c["std"] for c in classes]
        # error bars clipped to [0, 100]: an accuracy cannot leave it, whatever its spread
        below = [0 if np.isnan(m) else min(s, m) for m, s in zip(means, stds, strict=True)]
        above = [0 if np.isnan(m) else min(s, 100 - m) for m, s in zip(means, stds, strict=True)]
        ax_cls.bar(x, means, width, yerr=[below, above], capsize=2, label=group, alpha=0.8)
    if groups:
        names = [c["name"] for c in groups[0][1].get("per_class", [])]
        ax_cls.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=7)
    ax_cls.set_ylabel("per-class accuracy (%), mean ± std")
    ax_cls.set_title("Per-class accuracy across runs")
    if groups:  # above the panel, beside its title's line: a legend inside would hide bars near 0 or 100
        ax_cls.legend(fontsize=7, loc="lower left", bbox_to_anchor=(0, 1.08), ncols=min(len(groups), 3), frameon=False)
    ax_cls.grid(axis="y", alpha=0.3)
    return fig
