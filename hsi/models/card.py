"""The model card: parameters and multiply-accumulates per classified pixel of every model config.

MACs come from torch's own flop counter (``torch.utils.flop_counter``), which counts the
convolutions and matrix products (2 flops per MAC); element-wise work (activations, pooling,
gates) is not counted, as in the MobileNet and ShuffleNet papers.
"""

from __future__ import annotations

import functools
from importlib import resources

import torch
from hydra import compose, initialize_config_module
from hydra.utils import get_class, instantiate
from torch.utils.flop_counter import FlopCounterMode


def model_config_names() -> list[str]:
    """Every config in the ``model`` group, in name order."""
    folder = resources.files("hsi.configs") / "model"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def network_config_names() -> list[str]:
    """The model configs that build a network of windows (a torch module), not a classifier of single spectra."""
    with initialize_config_module("hsi.configs", version_base="1.3"):
        targets = {name: compose("train", overrides=[f"model={name}"]).model._target_ for name in model_config_names()}
    return [name for name, target in targets.items() if issubclass(get_class(target), torch.nn.Module)]


def model_descriptions() -> list[tuple[str, str]]:
    """``(name, description)`` of every model config: the comment lines that open its YAML file."""
    folder = resources.files("hsi.configs") / "model"
    out = []
    for name in model_config_names():
        lines = (folder / f"{name}.yaml").read_text().splitlines()
        comment = []
        for line in lines:
            if not line.startswith("#"):
                break
            comment.append(line.lstrip("# ").strip())
        out.append((name, " ".join(comment)))
    return out


def descriptions_markdown(rows: list[tuple[str, str]]) -> str:
    lines = ["| config | what it is (the opening comment of configs/model/NAME.yaml) |", "|---|---|"]
    return "\n".join(lines + [f"| `{name}` | {text} |" for name, text in rows]) + "\n"


def count_macs(model: torch.nn.Module, input_shape: tuple[int, ...]) -> int:
    """Multiply-accumulates of one forward pass on a single input of ``input_shape``."""
    was_training = model.training
    model.eval()
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(torch.zeros(1, *input_shape))
    model.train(was_training)
    return counter.get_total_flops() // 2


def build_model(name: str, in_bands: int, window: int, num_classes: int):
    """The model of config ``model=name`` for these input sizes (a torch module, or the SVM's estimator)."""
    with initialize_config_module("hsi.configs", version_base="1.3"):
        cfg = compose("train", overrides=[f"model={name}"])
    return instantiate(cfg.model, in_bands=in_bands, window=window, num_classes=num_classes)


@functools.lru_cache(maxsize=8)  # the configs do not change within a process; counting MACs takes seconds
def model_card(in_bands: int = 30, window: int = 25, num_classes: int = 16) -> tuple[dict, ...]:
    """One row per model config: name, parameters and MACs per pixel (None where data-dependent)."""
    rows = []
    with initialize_config_module("hsi.configs", version_base="1.3"):
        for name in model_config_names():
            cfg = compose("train", overrides=[f"model={name}"])
            model = instantiate(cfg.model, in_bands=in_bands, window=window, num_classes=num_classes)
            if isinstance(model, torch.nn.Module):
                params = sum(p.numel() for p in model.parameters())
                macs = count_macs(model, (1, in_bands, window, window))
            else:  # a classifier of raw spectra: its size depends on the scene's bands (or its support vectors)
                params = macs = None
            rows.append({"model": name, "parameters": params, "macs": macs, "target": cfg.model._target_})
    return tuple(rows)


def card_markdown(rows: list[dict], in_bands: int, window: int, num_classes: int) -> str:
    def fmt(value):
        return "data-dependent" if value is None else f"{value:,}"

    lines = [
        f"Input: {window}x{window} windows of {in_bands} PCA components, {num_classes} classes "
        "(Indian Pines defaults). MACs: multiply-accumulates per classified pixel, counted by "
        "torch.utils.flop_counter (convolutions and dense layers).",
        "",
        "| model | parameters | MACs per pixel |",
        "|---|---:|---:|",
    ]
    lines += [f"| `{r['model']}` | {fmt(r['parameters'])} | {fmt(r['macs'])} |" for r in rows]
    return "\n".join(lines) + "\n"
