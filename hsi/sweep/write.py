"""Every summary file of a sweep folder, written in sequence: json, csv, md, png, html."""

from __future__ import annotations

from pathlib import Path

from hsi.files import strict_json, write_atomically
from hsi.pages import write_sweep_page
from hsi.sweep.aggregate import summarise_runs
from hsi.sweep.plot import plot_summary
from hsi.sweep.tables import summary_csv, summary_markdown


def summarise_sweep(sweep_dir: Path) -> dict:
    """Write summary.json, .csv, .md, .png and report.html into ``sweep_dir``; return the summary."""
    sweep_dir = Path(sweep_dir)
    summary, runs = summarise_runs(sweep_dir)
    write_atomically(sweep_dir / "summary.json", strict_json(summary))
    write_atomically(sweep_dir / "summary.csv", summary_csv(summary))
    write_atomically(sweep_dir / "summary.md", summary_markdown(summary))
    if summary["runs"]["finished"]:
        plot_summary(sweep_dir / "summary.png", summary)
    write_sweep_page(sweep_dir, summary, runs)
    return summary
