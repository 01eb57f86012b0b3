"""Weights and MACs per classified pixel of the 3-D part and the 2-D part of every network config.

    python -m benchmarks.part_costs            # 25x25 windows of 30 components, 16 classes

The numbers of studies/history/questions.md (question 3) and docs/models.md (the lighter 3-D part). MACs are
counted by torch's flop counter on one window, as in the model card (``hsi-models``).
"""

from __future__ import annotations

import torch

from hsi.models.card import build_model, count_macs, model_config_names


def main(bands: int = 30, window: int = 25, classes: int = 16) -> None:
    print("| config | 3-D part weights | 3-D part MACs | 2-D part weights | 2-D part MACs |")
    print("|---|---:|---:|---:|---:|")
    for name in model_config_names():
        model = build_model(name, bands, window, classes)
        if not isinstance(model, torch.nn.Module):
            continue
        folded = model.folded(torch.zeros(1, 1, bands, window, window))
        unit = model.spatial[0]
        print(
            f"| `{name}` | {sum(p.numel() for p in model.spectral_spatial.parameters()):,} | "
            f"{count_macs(model.spectral_spatial, (1, bands, window, window)):,} | "
            f"{sum(p.numel() for p in unit.parameters()):,} | {count_macs(unit, tuple(folded.shape[1:])):,} |"
        )


if __name__ == "__main__":
    main()
