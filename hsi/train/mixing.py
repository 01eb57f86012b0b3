"""Mixup and CutMix of training windows: a batch blended with a shuffled copy of itself.

Mixup (Zhang et al. 2018, "mixup: Beyond Empirical Risk Minimization", ICLR) blends whole windows,
``lam * a + (1 - lam) * b``. CutMix (Yun et al. 2019, "CutMix: Regularization Strategy to Train Strong
Classifiers with Localizable Features", ICCV) pastes a box of ``b`` into ``a`` and sets ``lam`` to the
share of ``a``'s pixels left. Either way the loss is ``lam * CE(out, y_a) + (1 - lam) * CE(out, y_b)``.
``lam`` is drawn from Beta(alpha, alpha) once per batch and each window's partner is a random
permutation of the batch, as in timm's ``Mixup`` (its default "batch" mode).

A caveat of a pixel classifier: the label belongs to the window's centre pixel, so a CutMix box that
covers the centre changes the labelled spectrum while the target still weighs ``a`` by its share of
the *area*. Whether either blend helps is measured, not assumed (studies/history/recipe.md).

Every draw comes from the trainer's batch-order generator, so a run is repeatable and resumes exactly.
"""

from __future__ import annotations

import math

import numpy as np
import torch


def beta_draw(alpha: float, generator: torch.Generator) -> float:
    """One draw of Beta(alpha, alpha), seeded from ``generator`` (torch's Beta takes no generator)."""
    seed = int(torch.randint(0, 2**62, (1,), generator=generator))
    return float(np.random.default_rng(seed).beta(alpha, alpha))


def mixup(x: torch.Tensor, lam: float, partner: torch.Tensor) -> torch.Tensor:
    """Each window blended with its partner: ``lam * x + (1 - lam) * x[partner]``."""
    return lam * x + (1.0 - lam) * x[partner]


def cut_box(height: int, width: int, lam: float, generator: torch.Generator) -> tuple[int, int, int, int]:
    """CutMix's box ``(top, bottom, left, right)``: sides of about ``sqrt(1 - lam)`` of the window's (an even
    number of pixels), centred on a uniformly drawn pixel and clipped to the window; :func:`cutmix` weighs
    the labels by the area actually pasted."""
    ratio = math.sqrt(1.0 - lam)
    box_h, box_w = int(height * ratio), int(width * ratio)
    centre_r = int(torch.randint(0, height, (1,), generator=generator))
    centre_c = int(torch.randint(0, width, (1,), generator=generator))
    top, bottom = max(centre_r - box_h // 2, 0), min(centre_r + box_h // 2, height)
    left, right = max(centre_c - box_w // 2, 0), min(centre_c + box_w // 2, width)
    return top, bottom, left, right


def cutmix(x: torch.Tensor, box: tuple[int, int, int, int], partner: torch.Tensor) -> tuple[torch.Tensor, float]:
    """Each window with ``box`` of its partner pasted in, and the share of its own pixels left (the new lam)."""
    top, bottom, left, right = box
    out = x.clone()
    out[..., top:bottom, left:right] = x[partner][..., top:bottom, left:right]
    height, width = x.shape[-2:]
    return out, 1.0 - (bottom - top) * (right - left) / (height * width)


def mix_batch(x: torch.Tensor, kind: str, alpha: float, generator: torch.Generator):
    """The batch ``x (N, ..., h, w)`` mixed by ``kind``; returns ``(mixed, partner, lam)``, where the
    target of window ``i`` is ``lam`` of its own label and ``1 - lam`` of ``partner[i]``'s."""
    lam = beta_draw(alpha, generator)
    partner = torch.randperm(len(x), generator=generator)
    if kind == "mixup":
        return mixup(x, lam, partner), partner, lam
    box = cut_box(x.shape[-2], x.shape[-1], lam, generator)
    mixed, lam = cutmix(x, box, partner)
    return mixed, partner, lam
