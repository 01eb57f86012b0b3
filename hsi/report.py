"""The accuracy report of one run: metrics.json, report.md, per_class.csv, confusion.png, curves.png."""

from __future__ import annotations

import csv
import io
import json
import math
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


def strict_json(value) -> str:
    """JSON that jq and browsers accept: NaN and infinities become null (undefined), never bare NaN."""

    def clean(v):
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        if isinstance(v, np.integer):
            return int(v)
        if isinstance(v, np.floating):
            return clean(float(v))
        if isinstance(v, np.ndarray):
            return clean(v.tolist())
        return v

    return json.dumps(clean(value), indent=2, allow_nan=False) + "\n"


def write_metrics_json(run_dir: Path, metrics: dict) -> None:
    write_atomically(Path(run_dir) / "metrics.json", strict_json(metrics))


def write_per_class_csv(run_dir: Path, per_class: list[dict]) -> None:
    out = io.StringIO()
    fields = ["label", "name", "accuracy", "precision", "recall", "f1", "support"]
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in per_class:
        writer.writerow({k: _csv_value(row[k]) for k in fields})
    write_atomically(Path(run_dir) / "per_class.csv", out.getvalue())


def _pct(x: float | None, undefined: str = "untested") -> str:
    return undefined if x is None else f"{100 * x:.2f}"


def _csv_value(value) -> str | int:
    if value is None:
        return ""  # untested: empty, not 0
    return f"{value:.4f}" if isinstance(value, float) else value


def split_description(split: dict) -> str:
    name = str(split.get("_target_", "?")).rsplit(".", 1)[-1]
    args = ", ".join(f"{k}={v}" for k, v in split.items() if not k.startswith("_"))
    return f"{name}({args})"


def training_description(training: dict, best_epoch: int | None) -> str:
    if "epochs" not in training:
        return ", ".join(f"{k} {v}" for k, v in training.items())
    if training.get("epoch_kept") == "last":
        kept = f"kept the last epoch ({best_epoch}), because {training['epoch_kept_because']}"
    else:
        kept = f"kept epoch {best_epoch}: {training.get('epoch_kept_because', 'best validation score')}"
    return (f"{training['epochs_run']} of {training['epochs']} epochs, batch {training['batch_size']}, "
            f"precision {training['precision']}, device {training['device']}; {kept}")


def preprocessing_line(p: dict) -> str:
    if p.get("classifier_own_preprocessing"):
        return "preprocessing: the classifier's own (raw spectra standardised on the training pixels; the CNN's PCA unused)"
    return (f"PCA: {p['pca_components']} components, whiten={p['pca_whiten']}, fitted on `{p['pca_fit_scope']}` pixels"
            + (" (test pixels included)" if p["pca_saw_test_pixels"] else " (no test pixels)"))


def aa_label(metrics: dict) -> str:
    """'AA (%)' with the number of classes it averages when some class is untested."""
    tested = metrics.get("average_accuracy_classes")
    total = len(metrics.get("class_names", []))
    return f"AA over {tested} of {total} classes (%)" if tested is not None and tested < total else "AA (%)"


def split_lines(metrics: dict) -> list[str]:
    """The protocol lines about how honest the split is."""
    p = metrics["protocol"]
    lines = [
        f"- leakage: {100 * p['test_pixels_in_training_windows']:.1f}% of test pixels lie inside some training "
        f"window, {100 * p.get('test_windows_overlapping_training_windows', 0.0):.1f}% of test windows overlap "
        f"one; PCA {'saw' if p['pca_saw_test_pixels'] else 'did not see'} test pixels",
        f"- {100 * p.get('labelled_pixels_dropped', 0.0):.1f}% of labelled pixels were dropped by the buffer "
        "around training windows",
    ]
    if metrics.get("untested_classes"):
        lines.append(f"- untested (no test pixel; accuracy null, left out of AA): {', '.join(metrics['untested_classes'])}")
    lines += [f"- {note}" for note in metrics.get("split_notes", [])]
    return lines


def split_table(metrics: dict) -> list[str]:
    counts = metrics.get("split_class_counts")
    if not counts:
        return []
    lines = ["## Pixels per class and part", "", "| # | class | train | val | test | dropped |", "|---:|---|---:|---:|---:|---:|"]
    for k, name in enumerate(metrics["class_names"]):
        lines.append(f"| {k + 1} | {name} | {counts['train'][k]} | {counts['val'][k]} | {counts['test'][k]} | "
                     f"{counts['dropped'][k]} |")
    return lines + [""]


def write_report_md(run_dir: Path, metrics: dict) -> None:
    p = metrics["protocol"]
    lines = [
        f"# {metrics['model']} on {metrics['dataset']}",
        "",
        f"| OA (%) | {aa_label(metrics)} | kappa (x100) | test pixels | training time (s) |",
        "|---:|---:|---:|---:|---:|",
        f"| {_pct(metrics['overall_accuracy'])} | {_pct(metrics['average_accuracy'])} | "
        f"{_pct(metrics['kappa'])} | {metrics['split_sizes']['test']} | {metrics['train_seconds']:.1f} |",
        "",
        "## Protocol",
        "",
        f"- split: {split_description(p['split'])}; pixels train/val/test = "
        f"{metrics['split_sizes']['train']}/{metrics['split_sizes']['val']}/{metrics['split_sizes']['test']}",
        f"- seeds: split {p['split_seed']}, init {p['init_seed']}",
        f"- {preprocessing_line(p)}",
        f"- window: {p['window']}x{p['window']}, padding: {p['padding']}",
        *split_lines(metrics),
        "- training: " + training_description(p["training"], metrics["best_epoch"]),
        "",
        *split_table(metrics),
        "## Per class",
        "",
        "| # | class | accuracy (%) | precision (%) | F1 (%) | test pixels |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for row in metrics["per_class"]:
        lines.append(
            f"| {row['label']} | {row['name']} | {_pct(row['accuracy'])} | {_pct(row['precision'], 'n/a')} | "
            f"{_pct(row['f1'])} | {row['support']} |"
        )
    figures = "`confusion.png` (row-normalised)" + (", `curves.png` (losses and validation accuracy)" if metrics["history"] else "")
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
    ax_loss.plot(epochs, [h["train_loss"] for h in history], marker=".", label="training")
    val_loss = [(h["epoch"], h["val_loss"]) for h in history if h.get("val_loss") is not None]
    if val_loss:
        ax_loss.plot([e for e, _ in val_loss], [v for _, v in val_loss], marker=".", color="tab:red",
                     label="validation (class-balanced)")
        ax_loss.legend(fontsize=8)
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("cross-entropy")
    ax_loss.set_title("Loss")
    val = [(h["epoch"], h["val_oa"], h.get("val_aa")) for h in history if h.get("val_oa") is not None]
    if val:
        ax_acc.plot([e for e, _, _ in val], [100 * v for _, v, _ in val], marker=".", color="tab:green", label="OA")
        if all(a is not None for _, _, a in val):
            ax_acc.plot([e for e, _, _ in val], [100 * a for _, _, a in val], marker=".", color="tab:purple", label="AA")
        ax_acc.legend(fontsize=8)
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("validation accuracy (%)")
    ax_acc.set_title("Validation accuracy" if val else "No validation pixels")
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
