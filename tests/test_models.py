"""HybridSN: the paper's parameter count, other input sizes, clear errors for impossible ones."""

from __future__ import annotations

import pytest
import torch

from hsi.models import HybridSN


def count(model):
    return sum(p.numel() for p in model.parameters())


def test_paper_configuration_has_5122176_parameters():
    model = HybridSN(in_bands=30, window=25, num_classes=16)
    assert count(model) == 5_122_176
    assert model(torch.zeros(2, 1, 30, 25, 25)).shape == (2, 16)


def test_layer_shapes_follow_the_paper():
    model = HybridSN(in_bands=30, window=25, num_classes=16)
    convs = [m for m in model.modules() if isinstance(m, (torch.nn.Conv3d, torch.nn.Conv2d))]
    assert [tuple(c.weight.shape) for c in convs] == [
        (8, 1, 7, 3, 3),
        (16, 8, 5, 3, 3),
        (32, 16, 3, 3, 3),
        (64, 576, 3, 3),
    ]
    dense = [model.fc1, model.fc2, model.classifier]
    assert [tuple(d.weight.shape) for d in dense] == [(256, 18496), (128, 256), (16, 128)]


@pytest.mark.parametrize("bands, window, classes", [(15, 9, 4), (13, 11, 9), (40, 15, 2)])
def test_adapts_to_bands_windows_and_classes(bands, window, classes):
    model = HybridSN(bands, window, classes)
    out = model(torch.randn(3, 1, bands, window, window))
    assert out.shape == (3, classes)
    out.sum().backward()


@pytest.mark.parametrize("bands, window, message", [(12, 25, "at least 13 spectral bands"), (30, 7, "at least 9x9")])
def test_too_small_inputs_are_refused(bands, window, message):
    with pytest.raises(ValueError, match=message):
        HybridSN(bands, window, 16)


def _conv3d_weights(kind: str, norm: bool = False) -> int:
    """Weights and biases of the 3-D part by hand: (out, k) = (8, 7), (16, 5), (32, 3), spatial 3x3.

    With batch norm every convolution loses its bias and gains a norm's scale and shift (2 per channel)."""
    total, c = 0, 1

    def conv(cin, cout, kernel):
        return cin * cout * kernel + (2 * cout if norm else cout)

    for out, k in ((8, 7), (16, 5), (32, 3)):
        if kind == "factorised":  # 1x3x3 c -> out, then k x 1 x 1 out -> out
            total += conv(c, out, 9) + conv(out, out, k)
        elif kind == "separable" and c > 1:  # depthwise k x 3 x 3 (one input channel each), then pointwise c -> out
            total += conv(1, c, k * 9) + conv(c, out, 1)
        else:
            total += conv(c, out, k * 9)
        c = out
    return total


@pytest.mark.parametrize("norm", [False, True])
@pytest.mark.parametrize("kind", ["standard", "factorised", "separable"])
def test_the_lighter_3d_parts_keep_the_output_shape_with_fewer_weights(kind, norm):
    model = HybridSN(in_bands=30, window=25, num_classes=16, conv3d=kind, norm3d="batch" if norm else "none")
    assert count(model.spectral_spatial) == _conv3d_weights(kind, norm)
    assert _conv3d_weights("separable") < _conv3d_weights("factorised") < _conv3d_weights("standard") == 20_144
    x = torch.randn(2, 1, 30, 25, 25)
    assert model.folded(x).shape == (2, 576, 19, 19)  # as the paper's: the 2-D part and head are unchanged
    assert count(model) - count(model.spectral_spatial) == 5_122_176 - 20_144


@pytest.mark.parametrize("kind", ["standard", "factorised", "separable"])
def test_batch_norm_in_the_3d_part_keeps_the_dense_path_exact(kind):
    """In evaluation a batch norm is a per-channel affine map, so the one-pass scene equals the windows."""
    torch.manual_seed(0)
    model = HybridSN(in_bands=15, window=11, num_classes=5, conv3d=kind, norm3d="batch")
    norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm3d)]
    assert len(norms) == (3 if kind == "standard" else 6 if kind == "factorised" else 5)
    with torch.no_grad():  # statistics and affine far from a fresh norm's identity
        for norm in norms:
            norm.running_mean.normal_(0.0, 1.0), norm.running_var.uniform_(0.3, 3.0)
            norm.weight.normal_(1.0, 0.5), norm.bias.normal_(0.0, 0.5)
    model.eval()
    scene = torch.randn(1, 1, 15, 14, 13)
    dense = model.forward_dense(scene)[0]  # (classes, 4, 3): every 11x11 window of the scene
    windows = scene[0, 0].unfold(1, 11, 1).unfold(2, 11, 1)  # (15, 4, 3, 11, 11)
    per_window = model(windows.permute(1, 2, 0, 3, 4).reshape(12, 1, 15, 11, 11)).reshape(4, 3, 5)
    torch.testing.assert_close(dense.permute(1, 2, 0), per_window, rtol=1e-4, atol=1e-4)


def test_a_norm_that_does_not_exist_is_refused_by_name():
    with pytest.raises(ValueError, match="norm3d must be one of none, batch, got 'layer'"):
        HybridSN(30, 25, 16, norm3d="layer")


def test_a_network_that_declares_no_sharing_is_predicted_and_trained_window_by_window():
    from torch import nn

    from hsi.errors import UserError
    from hsi.models.sharing import Sharing, sharing
    from hsi.train import tiles
    from hsi.train.predict import choose_path

    class Plain(nn.Module):  # has a trunk-like method, but declares nothing: nothing is guessed from it
        def trunk(self, x):
            return x

    assert sharing(Plain()) == Sharing() and choose_path(Plain()) == "windows"
    with pytest.raises(UserError, match="has no trunk that overlapping windows could share"):
        tiles.check_model(Plain())
    assert choose_path(HybridSN(20, 9, 3)) == "dense" and choose_path(HybridSN(20, 9, 3, attention="se")) == "shared"
    assert not sharing(HybridSN(20, 9, 3, norm3d="batch")).batch_statistics  # its batch norm counts windows
