"""``hsi-models --speed``: the measured speed of every network config on this machine, as a Markdown table."""

from __future__ import annotations

import datetime

import torch
from hydra import compose, initialize_config_module
from hydra.utils import instantiate

import hsi
from hsi.models.card import model_config_names
from hsi.provenance import cpu_name, source_commit
from hsi.train.speed import measure_speed


def machine_name() -> str:
    """The CPU's model name and torch's thread count."""
    return f"{cpu_name()}, {torch.get_num_threads()} torch threads"


def speed_table(bands: int, window: int, classes: int, steps: int, scene: int) -> str:
    """One row per network config, each measured with the default trainer (its batch, optimiser, precision)."""
    rows = []
    with initialize_config_module("hsi.configs", version_base="1.3"):
        for name in model_config_names():
            cfg = compose("train", overrides=[f"model={name}"])
            torch.manual_seed(0)
            model = instantiate(cfg.model, in_bands=bands, window=window, num_classes=classes)
            if not isinstance(model, torch.nn.Module):
                continue  # the SVM's cost depends on its support vectors: measured in docs/honest.md runs
            trainer = instantiate(cfg.trainer)
            speed = measure_speed(model, trainer, bands, window, classes, steps=steps, scene=scene)
            rows.append((name, speed, trainer))
    base = rows[0][1] if rows and rows[0][0] == "hybridsn" else None
    first = rows[0][2] if rows else None
    lines = [
        f"Measured by `hsi-models --speed` (hsi {hsi.__version__}, commit {source_commit() or 'unknown'}, "
        f"torch {torch.__version__}, "
        f"{datetime.date.today().isoformat()}) on {machine_name()}: {window}x{window} windows of {bands} "
        f"components, {classes} classes, the default trainer (batch {first.batch_size if first else '-'}, "
        f"precision {first.precision if first else '-'}); training over {steps} batches after a warm-up epoch "
        f"of as many; prediction of every pixel of a {scene}x{scene} scene by the path a run takes.",
        "",
        "| model | training samples/s | x hybridsn | full-scene prediction (s) | x hybridsn | path |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, speed, _ in rows:
        train_ratio = f"{speed.train_samples_per_second / base.train_samples_per_second:.2f}" if base else "-"
        predict_ratio = f"{speed.predict_seconds / base.predict_seconds:.2f}" if base else "-"
        lines.append(
            f"| `{name}` | {speed.train_samples_per_second:.1f} | {train_ratio} | "
            f"{speed.predict_seconds:.3g} | {predict_ratio} | {speed.predict_path} |"
        )
    return "\n".join(lines) + "\n"
