"""Full-scene prediction time of every model config on Indian Pines, by the path each one takes.

    python -m benchmarks.benchmark_variant_maps [--windows]

Random weights (the time does not depend on their values), 25x25 windows of 30 PCA components,
float32, all 21025 pixels. ``--windows`` also times the window-by-window path of each model and
checks that both give the same class on every pixel. Prints one JSON report.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch
from hydra import compose, initialize_config_module
from hydra.utils import instantiate

from hsi.data import indian_pines
from hsi.models.card import network_config_names
from hsi.preprocess import fit_pca, pad_cube
from hsi.train.predict import choose_path, predict_logits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--windows", action="store_true")
    args = parser.parse_args()
    scene = indian_pines(root=args.data_root, download=False).load()
    pca = fit_pca(scene.cube, np.ones(scene.shape, bool), 30)
    padded = pad_cube(pca.transform(scene.cube), 12, "zero")
    report = {"threads": torch.get_num_threads(), "torch": torch.__version__, "models": {}}
    with initialize_config_module("hsi.configs", version_base="1.3"):
        configs = {n: compose("train", overrides=[f"model={n}"]).model for n in network_config_names()}
    for name, cfg in configs.items():
        torch.manual_seed(0)
        model = instantiate(cfg, in_bands=30, window=25, num_classes=16).eval()
        path = choose_path(model)
        tic = time.perf_counter()
        logits = predict_logits(model, padded, 25)
        row = {"path": path, "seconds": round(time.perf_counter() - tic, 2)}
        if args.windows and path != "windows":
            tic = time.perf_counter()
            reference = predict_logits(model, padded, 25, path="windows")
            row.update(
                windows_seconds=round(time.perf_counter() - tic, 2),
                same_class_everywhere=bool(torch.equal(logits.argmax(-1), reference.argmax(-1))),
            )
        report["models"][name] = row
    base = report["models"]["hybridsn"]["seconds"]
    for row in report["models"].values():
        row["times_hybridsn"] = round(row["seconds"] / base, 2)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
