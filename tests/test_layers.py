"""SE, CBAM, channel shuffle, depthwise-separable and grouped convolutions, hard activations."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from hsi.models.card import count_macs
from hsi.models.layers import (
    CBAM,
    DepthwiseSeparableConv2d,
    GroupedShuffleConv2d,
    SqueezeExcite,
    channel_shuffle,
    channel_unshuffle,
    create_act,
)


@pytest.mark.parametrize("gate", ["sigmoid", "hard_sigmoid"])
def test_se_gate_lies_in_unit_interval(gate):
    torch.manual_seed(0)
    se = SqueezeExcite(16, rd_ratio=1 / 4, gate_layer=gate)
    x = torch.randn(5, 16, 7, 7) * 10
    scale = se.gate_values(x)
    assert scale.shape == (5, 16)
    assert scale.min() >= 0 and scale.max() <= 1


@pytest.mark.parametrize("gate", ["sigmoid", "hard_sigmoid"])
def test_zero_excitation_scales_the_input_by_gate_of_zero(gate):
    se = SqueezeExcite(8, gate_layer=gate)
    nn.init.zeros_(se.expand.weight)
    nn.init.zeros_(se.expand.bias)
    x = torch.randn(3, 8, 5, 5)
    gate_at_zero = create_act(gate)(torch.zeros(1)).item()
    assert gate_at_zero == pytest.approx(0.5)  # sigmoid(0) = ReLU6(3)/6 = 1/2
    torch.testing.assert_close(se(x), x * gate_at_zero)


def test_se_reduction_ratio_sets_the_bottleneck():
    assert SqueezeExcite(64, rd_ratio=1 / 16).reduce.out_features == 4
    assert SqueezeExcite(64, rd_ratio=1 / 4).reduce.out_features == 16


def test_hard_activations_follow_mobilenetv3():
    x = torch.linspace(-5, 5, 101)
    torch.testing.assert_close(create_act("hard_sigmoid")(x), torch.clamp(x + 3, 0, 6) / 6)
    torch.testing.assert_close(create_act("hard_swish")(x), x * torch.clamp(x + 3, 0, 6) / 6)


def test_cbam_keeps_the_shape_and_its_spatial_map_has_one_channel():
    torch.manual_seed(0)
    cbam = CBAM(32, rd_ratio=1 / 8)
    x = torch.randn(2, 32, 9, 9)
    assert cbam(x).shape == x.shape
    spatial_map = cbam.spatial.attention_map(x)
    assert spatial_map.shape == (2, 1, 9, 9)
    assert spatial_map.min() >= 0 and spatial_map.max() <= 1
    assert cbam.spatial.conv.kernel_size == (7, 7)


def test_cbam_channel_attention_uses_one_shared_mlp_on_avg_and_max():
    cbam = CBAM(8, rd_ratio=1 / 2)
    x = torch.randn(2, 8, 4, 4)
    mlp = cbam.channel.mlp
    expected = x * torch.sigmoid(mlp(x.mean((2, 3))) + mlp(x.amax((2, 3))))[:, :, None, None]
    torch.testing.assert_close(cbam.channel(x), expected)


def test_channel_shuffle_matches_the_reshape_transpose_definition():
    x = torch.arange(6).reshape(1, 6, 1, 1).float()
    # groups of 2: [0 1 2 | 3 4 5] -> interleaved [0 3 1 4 2 5]
    assert channel_shuffle(x, 2).flatten().tolist() == [0, 3, 1, 4, 2, 5]
    assert channel_shuffle(x, 3).flatten().tolist() == [0, 2, 4, 1, 3, 5]


@pytest.mark.parametrize("groups", [2, 3, 4, 6])
def test_channel_shuffle_is_a_permutation_undone_by_its_inverse(groups):
    x = torch.randn(2, 12, 3, 3)
    shuffled = channel_shuffle(x, groups)
    assert sorted(shuffled[0, :, 0, 0].tolist()) == sorted(x[0, :, 0, 0].tolist())
    assert not torch.equal(shuffled, x)
    torch.testing.assert_close(channel_unshuffle(shuffled, groups), x)


def test_channel_shuffle_refuses_indivisible_channels():
    with pytest.raises(ValueError, match="10 channels cannot be split into 4 groups"):
        channel_shuffle(torch.zeros(1, 10, 2, 2), 4)


def test_depthwise_separable_cost_follows_mobilenet_v1():
    m, n, dk, size = 24, 40, 3, 12
    df = size - dk + 1  # no padding: output side
    block = DepthwiseSeparableConv2d(m, n, dk)
    macs = count_macs(block, (m, size, size))
    assert macs == dk * dk * m * df * df + m * n * df * df
    standard = count_macs(nn.Conv2d(m, n, dk), (m, size, size))
    assert standard == dk * dk * m * n * df * df
    assert macs / standard == pytest.approx(1 / n + 1 / dk**2)


def test_grouped_convolution_has_one_gth_of_the_weights():
    for groups in (2, 4, 8):
        grouped = GroupedShuffleConv2d(64, 32, 3, groups=groups)
        standard = nn.Conv2d(64, 32, 3)
        assert grouped.conv.weight.numel() * groups == standard.weight.numel()
    with pytest.raises(ValueError, match="input channels \\(30\\) must divide into 4 groups"):
        GroupedShuffleConv2d(30, 32, 3, groups=4)


def test_center_crop_takes_the_middle():
    from hsi.models.layers import center_crop

    x = torch.arange(35.0).reshape(1, 1, 5, 7)
    torch.testing.assert_close(center_crop(x, torch.zeros(1, 1, 3, 5)), x[..., 1:4, 1:6])


@pytest.mark.parametrize("unit", ["resnext", "resnext_se", "inverted_residual"])
def test_a_residual_unit_with_a_silent_branch_is_its_cropped_input(unit):
    from hsi.models.layers import InvertedResidual, ResNeXtBlock, center_crop

    torch.manual_seed(0)
    block = {
        "resnext": lambda: ResNeXtBlock(16, cardinality=4),
        "resnext_se": lambda: ResNeXtBlock(16, cardinality=4, se=True),
        "inverted_residual": lambda: InvertedResidual(16),
    }[unit]()
    last = block.branch[-1]
    torch.nn.init.zeros_(last.weight)
    torch.nn.init.zeros_(last.bias)
    x = torch.randn(2, 16, 7, 6)
    out = block(x)
    assert out.shape == (2, 16, 5, 4)  # one unpadded 3x3 convolution
    torch.testing.assert_close(out, center_crop(x, out))


def test_resnext_groups_and_mobilenet_v2_expansion_set_the_weight_counts():
    from hsi.models.layers import InvertedResidual, ResNeXtBlock

    grouped = ResNeXtBlock(64, cardinality=8).branch[2]
    assert grouped.weight.numel() == 64 * 64 * 9 // 8  # a grouped 3x3: 1/cardinality of a full one
    expand, depthwise, project = (m for m in InvertedResidual(64).branch if isinstance(m, torch.nn.Conv2d))
    assert expand.out_channels == 384 and depthwise.groups == 384 and project.out_channels == 64


def test_a_shufflenet_v2_unit_keeps_half_and_interleaves_the_halves():
    from hsi.models.layers import ShuffleV2Unit, center_crop

    unit = ShuffleV2Unit(8)
    torch.nn.init.zeros_(unit.branch[3].weight)
    torch.nn.init.zeros_(unit.branch[3].bias)
    x = torch.randn(1, 8, 6, 6)
    out = unit(x)
    assert out.shape == (1, 8, 4, 4)
    torch.testing.assert_close(out[:, 0::2], center_crop(x[:, :4], out))  # the kept half, shuffled in
    assert (out[:, 1::2] == 0).all()  # the transformed half (silenced here)
