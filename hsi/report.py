"""The accuracy report of one run: metrics.json, report.md, per_class.csv, confusion.png, curves.png."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
from sklearn.metrics import ConfusionMatrixDisplay

from hsi.describe import (
    aa_label,
    preprocessing_line,
    segment_lines,
    split_description,
    split_lines,
    training_description,
)
from hsi.files import new_figure, save_figure, write_atomically
from hsi.formatting import pct
from hsi.maps.confidence import plot_reliability
from hsi.run_dir import CONFUSION_PNG, CURVES_PNG, PER_CLASS_CSV, RELIABILITY_PNG, REPORT_MD

UNTESTED = "untested"  # what a table shows for a class without test pixels


def write_per_class_csv(run_dir: Path, per_class: list[dict]) -> None:
    out = io.StringIO()
    fields = ["label", "name", "accuracy", "precision", "recall", "f1", "support"]
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in per_class:
        writer.writerow({k: _csv_value(row[k]) for k in fields})
    write_atomically(Path(run_dir) / PER_CLASS_CSV, out.getvalue())


def _csv_value(value) -> str | int:
    if value is None:
        return ""  # untested: empty, not 0
    return f"{value:.4f}" if isinstance(value, float) else value


def split_table(metrics: dict) -> list[str]:
    counts = metrics.get("split_class_counts")
    if not counts:
        return []
    fields = metrics["protocol"].get("fields_per_class")
    lines = [
        "## Pixels per class and part",
        "",
        "| # | class | train | val | test | dropped |" + (" fields: train / val / test / all |" if fields else ""),
        "|---:|---|---:|---:|---:|---:|" + ("---:|" if fields else ""),
    ]
    for k, name in enumerate(metrics["class_names"]):
        row = f"| {k + 1} | {name} | {counts['train'][k]} | {counts['val'][k]} | {counts['test'][k]} | "
        row += f"{counts['dropped'][k]} |"
        if fields:
            row += " " + " / ".join(str(fields[part][k]) for part in ("train", "val", "test", "all")) + " |"
        lines.append(row)
    return lines + [""]


def reliability_lines(table: list[dict] | None) -> list[str]:
    """The test pixels by confidence (top class probability): what a threshold on the confidence map keeps."""
    if not table:
        return []
    lines = [
        "",
        "## Confidence and accuracy on the test pixels",
        "",
        "| confidence | test pixels (%) | accuracy (%) | at or above the lower bound: pixels kept (%), accuracy (%) |",
        "|---|---:|---:|---:|",
    ]
    for r in table:
        kept = f"{100 * r['share_at_or_above']:.1f}, {pct(r['accuracy_at_or_above'], '-')}"
        lines.append(f"| {r['low']:g}-{r['high']:g} | {100 * r['share']:.1f} | {pct(r['accuracy'], '-')} | {kept} |")
    return lines


def write_report_md(run_dir: Path, metrics: dict) -> None:
    p = metrics["protocol"]
    lines = [
        f"# {metrics['model']} on {metrics['dataset']}",
        "",
        f"| OA (%) | {aa_label(metrics)} | kappa (x100) | test pixels | training time (s) |",
        "|---:|---:|---:|---:|---:|",
        f"| {pct(metrics['overall_accuracy'], UNTESTED)} | {pct(metrics['average_accuracy'], UNTESTED)} | "
        f"{pct(metrics['kappa'], UNTESTED)} | {metrics['split_sizes']['test']} | {metrics['train_seconds']:.1f} |",
        "",
        "## Protocol",
        "",
        f"- split: {split_description(p['split'])}; pixels train/val/test = "
        f"{metrics['split_sizes']['train']}/{metrics['split_sizes']['val']}/{metrics['split_sizes']['test']}",
        f"- seeds: split {p['split_seed']}, init {p['init_seed']}",
        f"- {preprocessing_line(p)}",
        *(
            []
            if p.get("classifier_own_preprocessing")
            else [f"- window: {p['window']}x{p['window']}, padding: {p['padding']}" + _split_window_words(p)]
        ),
        *split_lines(metrics),
        "- training: " + training_description(p["training"], metrics["best_epoch"]),
        *segment_lines(p["training"]),
        "",
        *split_table(metrics),
        "## Per class",
        "",
        "| # | class | accuracy (%) | precision (%) | F1 (%) | test pixels |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for row in metrics["per_class"]:
        lines.append(
            f"| {row['label']} | {row['name']} | {pct(row['accuracy'], UNTESTED)} | {pct(row['precision'], 'n/a')} | "
            f"{pct(row['f1'], UNTESTED)} | {row['support']} |"
        )
    lines += reliability_lines(metrics.get("reliability"))
    validated = any(h.get("val_oa") is not None for h in metrics["history"])
    curves = "losses and validation accuracy" if validated else "training loss"
    figures = "`confusion.png` (row-normalised)" + (f", `curves.png` ({curves})" if metrics["history"] else "")
    if metrics.get("reliability"):
        figures += ", `reliability.png` (accuracy by confidence), `maps/confidence.tif` (confidence of every pixel)"
    lines += ["", f"Figures: {figures}.", ""]
    write_atomically(Path(run_dir) / REPORT_MD, "\n".join(lines))


def plot_confusion(run_dir: Path, confusion: list[list[int]], class_names: list[str]) -> None:
    matrix = np.asarray(confusion, dtype=float)
    rows = matrix.sum(axis=1, keepdims=True)
    normalised = np.divide(matrix, rows, out=np.zeros_like(matrix), where=rows > 0)
    size = max(6.0, 0.45 * len(class_names) + 2)
    fig = new_figure(figsize=(size + 1.5, size))
    ax = fig.subplots()
    ConfusionMatrixDisplay(normalised, display_labels=class_names).plot(
        ax=ax,
        values_format=".2f",
        cmap="Blues",
        xticks_rotation=90,
        colorbar=True,
        text_kw={"fontsize": 7},
    )
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title("Confusion matrix on test pixels (each row sums to 1)")
    save_figure(fig, Path(run_dir) / CONFUSION_PNG)


def curves_figure(history: list[dict]):
    """Loss by epoch and, where the run validated, validation OA and AA beside it (no empty panel without)."""
    epochs = [h["epoch"] for h in history]
    val = [(h["epoch"], h["val_oa"], h.get("val_aa")) for h in history if h.get("val_oa") is not None]
    fig = new_figure(figsize=(10, 4) if val else (5.5, 4))
    ax_loss, *ax_rest = np.atleast_1d(fig.subplots(1, 2 if val else 1))
    ax_loss.plot(epochs, [h["train_loss"] for h in history], marker=".", label="training")
    val_loss = [(h["epoch"], h["val_loss"]) for h in history if h.get("val_loss") is not None]
    if val_loss:
        ax_loss.plot(
            [e for e, _ in val_loss],
            [v for _, v in val_loss],
            marker=".",
            color="tab:red",
            label="validation (class-balanced)",
        )
        ax_loss.legend(fontsize=8)
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("cross-entropy")
    ax_loss.set_title("Loss" if val else "Training loss (no validation pixels)")
    for ax_acc in ax_rest:
        ax_acc.plot([e for e, _, _ in val], [100 * v for _, v, _ in val], marker=".", color="tab:green", label="OA")
        if all(a is not None for _, _, a in val):
            ax_acc.plot(
                [e for e, _, _ in val], [100 * a for _, _, a in val], marker=".", color="tab:purple", label="AA"
            )
        ax_acc.legend(fontsize=8)
        ax_acc.set_xlabel("epoch")
        ax_acc.set_ylabel("validation accuracy (%)")
        ax_acc.set_title("Validation accuracy")
    for ax in (ax_loss, *ax_rest):
        ax.grid(alpha=0.3)
    return fig


def plot_curves(run_dir: Path, history: list[dict]) -> None:
    save_figure(curves_figure(history), Path(run_dir) / CURVES_PNG)


def write_run_report(run_dir: Path, metrics: dict, history: list[dict]) -> None:
    """The figures, per_class.csv and report.md of one run (the run writes report.html, then metrics.json)."""
    plot_confusion(run_dir, metrics["confusion_matrix"], metrics["class_names"])
    if history:  # classifiers without epochs (the SVM) have no curves
        plot_curves(run_dir, history)
    if metrics.get("reliability"):  # every pixel was predicted: the maps were made
        plot_reliability(Path(run_dir) / RELIABILITY_PNG, metrics["reliability"])
    write_per_class_csv(run_dir, metrics["per_class"])
    write_report_md(run_dir, metrics)


def _split_window_words(p: dict) -> str:
    """Where the split's buffer followed a larger window than the model's (``split_window``)."""
    split_window = p.get("split_window", p["window"])
    return "" if split_window == p["window"] else f"; the split's buffer that of {split_window}x{split_window} windows"
