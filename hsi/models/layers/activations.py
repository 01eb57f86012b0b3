"""Activations and gates by name, so "SE with hard-sigmoid" is a config value, not a new class.

Hard-sigmoid ReLU6(x + 3) / 6 and hard-swish x * ReLU6(x + 3) / 6 come from MobileNetV3
(Howard et al., "Searching for MobileNetV3", ICCV 2019, arXiv:1905.02244): piecewise-linear
stand-ins for sigmoid and swish that are cheap on any hardware. torch's own modules are used.
"""

from __future__ import annotations

from torch import nn

_ACTIVATIONS = {
    "relu": lambda: nn.ReLU(inplace=True),
    "relu6": lambda: nn.ReLU6(inplace=True),
    "hard_swish": nn.Hardswish,
    "sigmoid": nn.Sigmoid,
    "hard_sigmoid": nn.Hardsigmoid,
}


def create_act(name: str) -> nn.Module:
    """A fresh activation module: ``relu``, ``hard_swish``, ``sigmoid`` or ``hard_sigmoid``."""
    try:
        return _ACTIVATIONS[name]()
    except KeyError:
        raise ValueError(f"unknown activation '{name}'; choose one of {', '.join(_ACTIVATIONS)}") from None
