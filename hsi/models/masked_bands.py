"""Self-supervised pre-training of a spectral network on the scene's unlabelled pixels: masked bands.

The spectral form of a masked autoencoder (He, Chen, Xie, Li, Dollar, Girshick, "Masked Autoencoders Are
Scalable Vision Learners", CVPR 2022): the bands of every spectrum fall in groups of ``group`` neighbours,
a random half of the groups is set to zero, and the network's feature layers with a linear decoder learn
to give back the zeroed bands (mean squared error on them only). Whole groups are hidden because
neighbouring bands are nearly equal: a single missing band is recovered by interpolation, a missing
stretch only from what the rest of the spectrum says about the material. The pixels read are every
pixel of the scene being trained on, with no label: the method is transductive.
"""

from __future__ import annotations

import torch
from torch import nn


def mask_band_groups(spectra: torch.Tensor, group: int, generator: torch.Generator) -> torch.Tensor:
    """A boolean mask of the shape of ``spectra``: ``True`` on the bands hidden, a random half of each
    spectrum's groups of ``group`` neighbouring bands (rounded down; at least one group)."""
    count, bands = spectra.shape
    groups = -(-bands // group)
    hidden = max(1, groups // 2)
    ranks = torch.rand(count, groups, generator=generator).argsort(1)
    chosen = torch.zeros(count, groups, dtype=torch.bool)
    chosen.scatter_(1, ranks[:, :hidden], True)
    return chosen.repeat_interleave(group, dim=1)[:, :bands]


def pretrain_masked_bands(
    encoder: nn.Module,
    features: int,
    spectra: torch.Tensor,
    epochs: int,
    lr: float,
    seed: int,
    group: int = 10,
    batch_size: int = 256,
) -> list[float]:
    """Train ``encoder`` (``(N, bands)`` to ``(N, features)``) to restore hidden groups of bands of
    ``spectra`` (standardised, unlabelled) through a linear decoder that is then discarded.

    Returns the mean reconstruction loss of every epoch.
    """
    # the decoder's start is fixed by the seed, and the caller's random stream is left as it was
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        decoder = nn.Linear(features, spectra.shape[1])
    parameters = [*encoder.parameters(), *decoder.parameters()]
    optimiser = torch.optim.Adam(parameters, lr=lr)
    order = torch.Generator().manual_seed(seed)
    masks = torch.Generator().manual_seed(seed + 1)
    losses = []
    encoder.train()
    for _ in range(epochs):
        total, seen = 0.0, 0
        for batch in torch.randperm(len(spectra), generator=order).split(batch_size):
            target = spectra[batch]
            hidden = mask_band_groups(target, group, masks)
            restored = decoder(encoder(target.masked_fill(hidden, 0.0)))
            loss = ((restored - target)[hidden] ** 2).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total, seen = total + loss.item() * len(batch), seen + len(batch)
        losses.append(total / seen)
    return losses
