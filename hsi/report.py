"""The accuracy report of one run: metrics.json, report.md, per_class.csv, confusion.png, curves.png."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no screen needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.metrics import ConfusionMatrixDisplay  # noqa: E402

from hsi.errors import UserError  # noqa: E402


def write_atomically(path: Path, data: bytes | str) -> None:
    """Write to a temporary name beside ``path`` and rename, so ``path`` is never half-written.

    A process killed before the rename leaves the previous version of ``path`` intact. A
    full disk or a read-only folder becomes a plain :class:`UserError` (the previous version
    is intact then too).
    """
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(
            f"Could not write {path} ({exc.strerror or exc}); free some disk space or choose a writable "
            "output folder, then run again (any earlier version of the file is intact)."
        ) from exc


def save_figure(fig, path: Path) -> None:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=120, bbox_inches="tight")
    plt.close(fig)
    write_atomically(path, buffer.getvalue())


def write_metrics_json(run_dir: Path, metrics: dict) -> None:
    write_atomically(Path(run_dir) / "metrics.json", json.dumps(metrics, indent=2) + "\n")


def write_per_class_csv(run_dir: Path, per_class: list[dict]) -> None:
    out = io.StringIO()
    fields = ["label", "name", "accuracy", "precision", "recall", "f1", "support"]
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in per_class:
        writer.writerow({k: (f"{row[k]:.4f}" if isinstance(row[k], float) else row[k]) for k in fields})
    write_atomically(Path(run_dir) / "per_class.csv", out.getvalue())


def _pct(x: float) -> str:
    return f"{100 * x:.2f}"


def split_description(split: dict) -> str:
    name = str(split.get("_target_", "?")).rsplit(".", 1)[-1]
    args = ", ".join(f"{k}={v}" for k, v in split.items() if not k.startswith("_"))
    return f"{name}({args})"


def training_description(training: dict, best_epoch: int | None) -> str:
    if "epochs" not in training:
        return ", ".join(f"{k} {v}" for k, v in training.items())
    return (f"{training['epochs_run']} of {training['epochs']} epochs, batch {training['batch_size']}, "
            f"precision {training['precision']}, device {training['device']}; "
            f"best epoch by validation OA: {best_epoch}")


def write_report_md(run_dir: Path, metrics: dict) -> None:
    p = metrics["protocol"]
    lines = [
        f"# {metrics['model']} on {metrics['dataset']}",
        "",
        "| OA (%) | AA (%) | kappa (x100) | test pixels | training time (s) |",
        "|---:|---:|---:|---:|---:|",
        f"| {_pct(metrics['overall_accuracy'])} | {_pct(metrics['average_accuracy'])} | "
        f"{_pct(metrics['kappa'])} | {metrics['split_sizes']['test']} | {metrics['train_seconds']:.1f} |",
        "",
        "## Protocol",
        "",
        f"- split: {split_description(p['split'])}; pixels train/val/test = "
        f"{metrics['split_sizes']['train']}/{metrics['split_sizes']['val']}/{metrics['split_sizes']['test']}",
        f"- seeds: split {p['split_seed']}, init {p['init_seed']}",
        f"- PCA: {p['pca_components']} components, whiten={p['pca_whiten']}, fitted on `{p['pca_fit_scope']}` pixels"
        + (" (test pixels included)" if p["pca_saw_test_pixels"] else " (no test pixels)"),
        f"- window: {p['window']}x{p['window']}, padding: {p['padding']}",
        f"- leakage: {100 * p['test_pixels_in_training_windows']:.1f}% of test pixels lie inside some training "
        f"window; PCA {'saw' if p['pca_saw_test_pixels'] else 'did not see'} test pixels",
        "- training: " + training_description(p["training"], metrics["best_epoch"]),
        "",
        "## Per class",
        "",
        "| # | class | accuracy (%) | precision (%) | F1 (%) | test pixels |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for row in metrics["per_class"]:
        lines.append(
            f"| {row['label']} | {row['name']} | {_pct(row['accuracy'])} | {_pct(row['precision'])} | "
            f"{_pct(row['f1'])} | {row['support']} |"
        )
    figures = "`confusion.png` (row-normalised)" + (", `curves.png` (loss and validation OA)" if metrics["history"] else "")
    lines += ["", f"Figures: {figures}.", ""]
    write_atomically(Path(run_dir) / "report.md", "\n".join(lines))


def plot_confusion(run_dir: Path, confusion: list[list[int]], class_names: list[str]) -> None:
    matrix = np.asarray(confusion, dtype=float)
    rows = matrix.sum(axis=1, keepdims=True)
    normalised = np.divide(matrix, rows, out=np.zeros_like(matrix), where=rows > 0)
    size = max(6.0, 0.45 * len(class_names) + 2)
    fig, ax = plt.subplots(figsize=(size + 1.5, size))
    ConfusionMatrixDisplay(normalised, display_labels=class_names).plot(
        ax=ax, values_format=".2f", cmap="Blues", xticks_rotation=90, colorbar=True,
        text_kw={"fontsize": 7},
    )
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title("Confusion matrix on test pixels (each row sums to 1)")
    save_figure(fig, Path(run_dir) / "confusion.png")


def plot_curves(run_dir: Path, history: list[dict]) -> None:
    epochs = [h["epoch"] for h in history]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    ax_loss.plot(epochs, [h["train_loss"] for h in history], marker=".")
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("training loss (cross-entropy)")
    ax_loss.set_title("Training loss")
    val = [(h["epoch"], h["val_oa"]) for h in history if h.get("val_oa") is not None]
    if val:
        ax_acc.plot([e for e, _ in val], [100 * v for _, v in val], marker=".", color="tab:green")
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("validation OA (%)")
    ax_acc.set_title("Validation overall accuracy" if val else "No validation pixels")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
    save_figure(fig, Path(run_dir) / "curves.png")


def write_run_report(run_dir: Path, metrics: dict, history: list[dict]) -> None:
    """Every report file of one run; figures first, metrics.json last (its presence marks a finished run)."""
    plot_confusion(run_dir, metrics["confusion_matrix"], metrics["class_names"])
    if history:  # classifiers without epochs (the SVM) have no curves
        plot_curves(run_dir, history)
    write_per_class_csv(run_dir, metrics["per_class"])
    write_report_md(run_dir, metrics)
    from hsi.pages import write_run_page

    write_run_page(run_dir, metrics)
    write_metrics_json(run_dir, metrics)
