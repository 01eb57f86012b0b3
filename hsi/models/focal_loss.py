"""The focal loss of Lin, Goyal, Girshick, He and Dollar, "Focal Loss for Dense Object Detection", ICCV 2017.

``-(1 - p_t) ** gamma * log(p_t)`` per sample, ``p_t`` the softmax probability of the true class: it
down-weights the pixels a model already classifies confidently, so that training dwells on the hard
ones (on new ground, the tillage classes a spectral model confuses). ``gamma = 0`` is cross-entropy.
"""

from __future__ import annotations

import torch
from torch import nn


def focal_loss(logits: torch.Tensor, targets: torch.Tensor, gamma: float) -> torch.Tensor:
    """The mean focal loss of ``(N, classes)`` logits against ``(N,)`` class indices."""
    log_true = -nn.functional.cross_entropy(logits, targets, reduction="none")  # log p_t, computed stably
    if gamma == 0:
        return -log_true.mean()
    return (-((1 - log_true.exp()) ** gamma) * log_true).mean()
