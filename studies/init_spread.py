"""How much HybridSN's logits depend on the input before training, under each weight initialisation.

    python studies/init_spread.py

HybridSN for 30x25x25 windows and 16 classes, built with torch.manual_seed(0) under each
``model.init`` scheme, in evaluation mode, on 32 windows of standard normal values (generator seed
0, as whitened PCA components are scaled): the standard deviation of each logit over the windows,
averaged over the 16 logits. Near zero means the network starts by predicting the same for every
window. No data needed; the figures in studies/history/recipe.md come from this script.
"""

from __future__ import annotations

import torch

from hsi.models import HybridSN
from hsi.models.layers import INITS


def spread(scheme: str) -> float:
    torch.manual_seed(0)
    model = HybridSN(in_bands=30, window=25, num_classes=16, init=scheme).eval()
    windows = torch.randn(32, 1, 30, 25, 25, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        return model(windows).std(dim=0).mean().item()


if __name__ == "__main__":
    for scheme in INITS:
        print(f"{scheme}: {spread(scheme):.4f}")
