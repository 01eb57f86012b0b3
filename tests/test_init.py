"""Weight initialisation schemes: each draws what its paper (or PyTorch) says, and why it matters."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from hsi.models import HybridSN


def weighted_layers(model):
    return [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Conv3d, nn.Linear))]


def fans(layer):
    """Fan-in and fan-out computed from the weight's shape, as Glorot and He define them."""
    receptive = math.prod(layer.weight.shape[2:])
    return layer.weight.shape[1] * receptive, layer.weight.shape[0] * receptive


def build(init, seed=0, **kwargs):
    torch.manual_seed(seed)
    return HybridSN(in_bands=30, window=25, num_classes=16, init=init, **kwargs)


def test_torch_scheme_keeps_pytorchs_own_draw():
    """PyTorch's layers draw weights and biases uniform in +-1/sqrt(fan_in)."""
    for layer in weighted_layers(build("torch")):
        fan_in, _ = fans(layer)
        bound = 1 / math.sqrt(fan_in)
        w = layer.weight.detach()
        assert w.abs().max() <= bound and layer.bias.abs().max() <= bound and layer.bias.any()
        if w.numel() >= 10_000:
            assert w.var().item() == pytest.approx(bound**2 / 3, rel=0.05)


@pytest.mark.parametrize("norm3d", ["none", "batch"])
def test_glorot_is_uniform_within_its_bound_with_zero_biases(norm3d):
    model = build("glorot", norm3d=norm3d)
    for layer in weighted_layers(model):
        fan_in, fan_out = fans(layer)
        bound = math.sqrt(6 / (fan_in + fan_out))
        w = layer.weight.detach()
        assert w.abs().max() <= bound
        if w.numel() >= 10_000:  # enough draws to pin the variance of U(-b, b), b^2 / 3, to a few percent
            assert w.var().item() == pytest.approx(bound**2 / 3, rel=0.05)
        if layer.bias is not None:
            assert not layer.bias.any()
    if norm3d == "batch":  # norm layers keep their own start
        norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm3d)]
        assert norms and all(bool((n.weight == 1).all() and not n.bias.any()) for n in norms)


def test_kaiming_has_the_variance_a_relu_layer_keeps():
    for layer in weighted_layers(build("kaiming")):
        fan_in, _ = fans(layer)
        w = layer.weight.detach()
        if w.numel() >= 10_000:
            assert w.std().item() == pytest.approx(math.sqrt(2 / fan_in), rel=0.05)
        assert not layer.bias.any()


def test_the_seed_fixes_the_draw():
    a, b, c = build("glorot", seed=3), build("glorot", seed=3), build("glorot", seed=4)
    assert torch.equal(a.fc1.weight, b.fc1.weight)
    assert not torch.equal(a.fc1.weight, c.fc1.weight)


def test_logits_depend_on_the_input_from_the_start_only_with_a_scaled_init():
    """Why the scheme matters: with PyTorch's defaults each ReLU layer keeps about a sixth of its
    input's second moment, so after seven layers the logits hardly differ between windows."""
    x = torch.randn(32, 1, 30, 25, 25, generator=torch.Generator().manual_seed(0))

    def spread(init):
        with torch.no_grad():
            return build(init).eval()(x).std(dim=0).mean().item()

    assert spread("torch") < 0.01 < spread("glorot") < spread("kaiming")


def test_an_unknown_scheme_is_refused_by_name():
    with pytest.raises(ValueError, match="init must be one of torch, glorot, kaiming, got 'xavier'"):
        build("xavier")
