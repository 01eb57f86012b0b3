"""report.html for a run and for a sweep: self-contained pages built from Jinja2 templates.

Images are referenced by relative paths inside the folder, nothing is fetched from the
internet, and the layout reflows down to a phone's width, so a run or sweep folder can be
zipped, mailed and opened anywhere.
"""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

import hsi
from hsi.describe import (
    aa_label,
    preprocessing_line,
    split_description,
    split_lines,
    training_description,
    variance_sentence,
)
from hsi.files import write_atomically
from hsi.formatting import pct, pvalue
from hsi.maps.scene_maps import CONFIDENCE_TIF, PREDICTION_ENVI, PREDICTION_TIF, PREDICTIONS_NPZ, PROBABILITIES_TIF
from hsi.run_dir import (
    CHECKPOINT,
    CURVES_PNG,
    MAPS,
    METRICS,
    PER_CLASS_CSV,
    RELIABILITY_PNG,
    REPORT_HTML,
    REPORT_MD,
    SPLIT_NPZ,
    TRAIN_LOG,
)

MAP_CAPTIONS = (
    ("false_colour.png", "False-colour composite (three bands as red, green, blue)"),
    ("ground_truth.png", "Ground truth"),
    ("prediction.png", "Prediction, every pixel"),
    ("prediction_labelled.png", "Prediction, labelled pixels"),
    ("errors.png", "Errors on test pixels (training pixels marked)"),
    ("split.png", "Training, validation and test pixels"),
    ("confidence.png", "Confidence: top class probability (dark: unsure)"),
)
RUN_FILES = (
    METRICS,
    REPORT_MD,
    PER_CLASS_CSV,
    SPLIT_NPZ,
    CHECKPOINT,
    TRAIN_LOG,
    *(
        f"{MAPS}/{name}"
        for name in (PREDICTION_TIF, CONFIDENCE_TIF, PROBABILITIES_TIF, *PREDICTION_ENVI, PREDICTIONS_NPZ)
    ),
)
LAST_WRITTEN = METRICS  # written after the page (its presence marks a finished run), so listed always


def inline_code(text: str) -> Markup:
    """The Markdown of the shared report sentences as HTML: `x` becomes <code>x</code>, the rest escaped."""
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(text))))


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("hsi", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(pct=pct, pvalue=pvalue, version=hsi.__version__)
    env.filters["code"] = inline_code
    return env


def write_run_page(run_dir: Path, metrics: dict) -> Path:
    """``report.html`` in a run folder, from its metrics and the images already written there."""
    run_dir = Path(run_dir)
    maps_dir = run_dir / MAPS
    maps = [(f"{MAPS}/{name}", caption) for name, caption in MAP_CAPTIONS if (maps_dir / name).is_file()]
    html = (
        _environment()
        .get_template("run.html.j2")
        .render(
            title=f"{metrics['model']} on {metrics['dataset']}",
            m=metrics,
            p=metrics["protocol"],
            split_line=split_description(metrics["protocol"]["split"]),
            training_line=training_description(metrics["protocol"]["training"], metrics["best_epoch"]),
            has_curves=(run_dir / CURVES_PNG).is_file(),
            has_reliability=(run_dir / RELIABILITY_PNG).is_file(),
            maps=maps,
            aa_label=aa_label(metrics),
            split_lines=[line[2:] for line in split_lines(metrics)],
            preprocessing_line=preprocessing_line(metrics["protocol"]),
            overview=f"{MAPS}/overview.png" if (maps_dir / "overview.png").is_file() else None,
            files=[name for name in RUN_FILES if name == LAST_WRITTEN or (run_dir / name).is_file()],
        )
    )
    write_atomically(run_dir / REPORT_HTML, html)
    return run_dir / REPORT_HTML


def write_sweep_page(sweep_dir: Path, summary: dict, runs: list) -> Path:
    """``report.html`` in a sweep folder: groups, variance study, comparisons, links to every run."""
    sweep_dir = Path(sweep_dir)
    studies = [
        (variance_sentence(name, g["variance_study"]), g["variance_study"]["shares"])
        for name, g in summary["groups"].items()
        if g["variance_study"]
    ]
    rows = []
    for r in runs:
        page = r.path / REPORT_HTML
        rows.append(
            {
                "name": str(r.path.relative_to(sweep_dir)),
                "group": r.group,
                "split_seed": r.split_seed,
                "init_seed": r.init_seed,
                "oa": r.metrics.get("overall_accuracy"),
                "status": r.status,
                "error": r.error,
                "page": str(page.relative_to(sweep_dir)) if page.is_file() else None,
            }
        )
    html = (
        _environment()
        .get_template("sweep.html.j2")
        .render(
            title=f"Sweep {sweep_dir.name}",
            s=summary,
            studies=studies,
            runs=rows,
            has_plot=(sweep_dir / "summary.png").is_file(),
        )
    )
    write_atomically(sweep_dir / REPORT_HTML, html)
    return sweep_dir / REPORT_HTML
