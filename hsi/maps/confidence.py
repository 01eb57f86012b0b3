"""How sure a map is, pixel by pixel, and how far to trust that: confidence bands and the reliability table.

Confidence is the top class probability (the one the class map shows); the normalised entropy of
the probabilities (0: all on one class, 1: spread evenly over the K classes) is a second view that
sees how the rest is spread. The reliability table groups a run's test pixels by their confidence
and gives the accuracy of each group, so a user can choose a threshold below which a map's pixels
are masked or checked in the field (a reliability diagram; Guo et al., "On Calibration of Modern
Neural Networks", ICML 2017).
"""

from __future__ import annotations

import numpy as np

from hsi.files import new_figure, save_figure

CONFIDENCE_BANDS = ("top class probability", "normalised entropy of the class probabilities")
BIN_EDGES = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0)  # finer near 1, where most pixels of a good map lie


def confidence_bands(probabilities: np.ndarray) -> np.ndarray:
    """``(2, H, W)`` float32 from ``(H, W, K)`` probabilities: top probability, normalised entropy."""
    p = probabilities.astype(np.float64)
    top = p.max(axis=-1)
    k = p.shape[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        entropy = -np.where(p > 0, p * np.log(p), 0.0).sum(axis=-1) / (np.log(k) if k > 1 else 1.0)
    return np.stack([top, np.clip(entropy, 0.0, 1.0)]).astype(np.float32)


def reliability_table(probabilities: np.ndarray, truth: np.ndarray, edges=BIN_EDGES) -> list[dict]:
    """Per confidence bin of the pixels (``probabilities`` ``(N, K)``, zero-based ``truth`` ``(N,)``):
    its bounds, pixels, share of all pixels, accuracy, mean confidence, and the accuracy of every pixel
    at or above its lower bound (what a threshold there keeps)."""
    confidence, right = probabilities.max(axis=1), probabilities.argmax(axis=1) == truth
    bins = np.clip(np.searchsorted(edges, confidence, side="right") - 1, 0, len(edges) - 2)
    rows = []
    for b in range(len(edges) - 1):
        inside, kept = bins == b, confidence >= edges[b]
        rows.append(
            {
                "low": float(edges[b]),
                "high": float(edges[b + 1]),
                "pixels": int(inside.sum()),
                "share": float(inside.mean()) if len(truth) else 0.0,
                "accuracy": float(right[inside].mean()) if inside.any() else None,
                "mean_confidence": float(confidence[inside].mean()) if inside.any() else None,
                "accuracy_at_or_above": float(right[kept].mean()) if kept.any() else None,
                "share_at_or_above": float(kept.mean()) if len(truth) else 0.0,
            }
        )
    return rows


def plot_reliability(path, table: list[dict]) -> None:
    """Accuracy against confidence per bin (bars) beside the diagonal a calibrated map would follow,
    and the share of test pixels a threshold keeps against the accuracy it keeps."""
    fig = new_figure(figsize=(10, 4), layout="constrained")
    left, right = fig.subplots(1, 2)
    filled = [r for r in table if r["pixels"]]
    left.bar(
        [(r["low"] + r["high"]) / 2 for r in filled],
        [r["accuracy"] for r in filled],
        width=[r["high"] - r["low"] for r in filled],
        edgecolor="black",
        color="tab:blue",
        label="accuracy of the bin's test pixels",
    )
    left.plot([0, 1], [0, 1], color="grey", linestyle="--", label="confidence = accuracy")
    left.set(xlabel="confidence (top class probability)", ylabel="accuracy", xlim=(0, 1), ylim=(0, 1.02))
    left.legend(loc="upper left", fontsize=8)
    right.plot(
        [100 * r["share_at_or_above"] for r in table], [100 * (r["accuracy_at_or_above"] or 0) for r in table], "o-"
    )
    for r in table[:1] + [r for r in table[1:] if r["pixels"]]:  # an empty bin keeps what the next one keeps
        right.annotate(
            f"{r['low']:g}",
            (100 * r["share_at_or_above"], 100 * (r["accuracy_at_or_above"] or 0)),
            textcoords="offset points",
            xytext=(3, 3),
            fontsize=7,
        )
    right.set(
        xlabel="test pixels kept (%)",
        ylabel="accuracy of the pixels kept (%)",
        title="a threshold on confidence (point labels: the threshold)",
    )
    save_figure(fig, path)
