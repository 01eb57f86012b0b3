"""Which epoch a run keeps: the one with the best validation AA, or the last when validation cannot judge.

Why that rule (docs/splits.md): validation OA is dominated by the large classes, and a strict
``>`` froze on the first epoch that saturated a small validation set. Validation *loss* was tried
first and rejected on validation evidence: under a spatially disjoint split the network grows
confidently wrong on unseen fields, so cross-entropy rises while accuracy rises too, and the
lowest loss falls on a barely trained epoch (11x11 windows, seed 0: epoch 2 of 30, validation AA
14% against 51% at epoch 18). AA weighs every tested class alike, like the figure the report
leads with. Ties go to the later epoch, so a saturated validation set keeps the most trained
weights. When the validation set cannot judge (empty, too few pixels of a tested class), the
last epoch is kept and the run says so.
"""

from __future__ import annotations

import numpy as np
import torch

from hsi.splits import Split


def selection_rule(labels: np.ndarray, split: Split, min_val_per_class: int, select_over: str) -> dict:
    """Whether the validation set can choose the epoch; ``{"rule": "val_aa" | "last", "reason": ...}``.

    ``labels``: zero-based class of every flat pixel. ``select_over``: ``all_classes`` (a class the
    test set holds with fewer than ``min_val_per_class`` validation pixels makes the rule keep the
    last epoch) or ``classes_with_enough`` (validation AA over the classes that have enough; the
    rule then also names them under ``"classes"``).
    """
    needed = np.unique(labels[split.test] if len(split.test) else labels[split.train])
    if not len(split.val):
        return {"rule": "last", "reason": "there are no validation pixels"}
    counts = np.bincount(labels[split.val], minlength=int(needed.max()) + 1)
    thin = [int(k) for k in needed if counts[k] < min_val_per_class]
    enough = [int(k) for k in needed if counts[k] >= min_val_per_class]
    if thin and enough and select_over == "classes_with_enough":
        pixels = int(np.isin(labels[split.val], enough).sum())
        return {
            "rule": "val_aa",
            "classes": enough,
            "reason": (
                f"best validation AA over the {len(enough)} of {len(needed)} tested classes with at least "
                f"{min_val_per_class} validation pixels ({pixels} pixels), ties to the later epoch"
            ),
        }
    if thin:
        return {
            "rule": "last",
            "reason": (
                f"the validation set holds fewer than {min_val_per_class} pixels of {len(thin)} of the "
                f"{len(needed)} tested classes"
            ),
        }
    return {
        "rule": "val_aa",
        "reason": f"best validation AA over {len(split.val)} pixels of {len(needed)} classes, ties to the later epoch",
    }


def selection_pixels(selection: dict, labels: np.ndarray, split: Split) -> np.ndarray:
    """The validation pixels the rule reads: all, or those of its classes."""
    classes = selection.get("classes")
    return split.val if classes is None else split.val[np.isin(labels[split.val], classes)]


def validation_figures(probabilities: torch.Tensor, truth: torch.Tensor) -> dict:
    """Validation OA, AA and class-balanced cross-entropy (mean over classes of each class's mean loss)."""
    right = probabilities.argmax(1) == truth
    loss = -torch.log(probabilities.gather(1, truth[:, None]).squeeze(1).clamp_min(1e-12))
    classes = truth.unique()
    per_class_loss = torch.stack([loss[truth == k].mean() for k in classes])
    per_class_recall = torch.stack([right[truth == k].float().mean() for k in classes])
    return {
        "val_oa": float(right.float().mean()),
        "val_aa": float(per_class_recall.mean()),
        "val_loss": float(per_class_loss.mean()),
    }
