"""HybridSN: a 3-D then 2-D convolutional network for hyperspectral patches, and its variants.

Roy, Krishna, Dubey, Chaudhuri, "HybridSN: Exploring 3-D-2-D CNN Feature Hierarchy for
Hyperspectral Image Classification", IEEE Geoscience and Remote Sensing Letters 17(2), 2020,
arXiv:1902.06701.

Layers as in the paper (Table 1, Indian Pines: 25x25 windows of 30 PCA components):
Conv3d 8@7x3x3, 16@5x3x3, 32@3x3x3 (spectral x spatial kernels, no padding), the spectral
axis folded into channels, Conv2d 64@3x3, Dense 256, Dropout 0.4, Dense 128, Dropout 0.4,
Dense classes; ReLU throughout. 5,122,176 parameters for 16 classes.

The variants swap in ideas from efficient CNNs, each chosen by one argument: attention (SE,
CBAM) after the 3-D stack and/or after the 2-D convolution; a grouped (+ channel shuffle) or
depthwise-separable 2-D convolution; hard-swish activations and hard-sigmoid gates; a global
average pooling head instead of the 18496x256 dense layer; and a lighter 3-D part, where about
60% of the paper model's multiply-accumulates lie: each 3-D convolution factorised into a spatial
then a spectral one ((2+1)-D, Tran et al. 2018, "A Closer Look at Spatiotemporal Convolutions
for Action Recognition", CVPR), or depthwise-separable (Howard et al. 2017, MobileNets, applied
in 3-D; the first layer stays a full convolution, as in MobileNet, since it sees one channel).
"""

from __future__ import annotations

import torch
from torch import nn

from hsi.models.layers import (
    CBAM,
    DepthwiseSeparableConv2d,
    GroupedShuffleConv2d,
    InvertedResidual,
    ResNeXtBlock,
    ShuffleV2Unit,
    SqueezeExcite,
    create_act,
    initialise_,
)
from hsi.models.sharing import Sharing
from hsi.models.window_norm import WindowBatchNorm3d, has_window_statistics

# (out_channels, spectral kernel) of the three 3-D convolutions; spatial kernels are 3x3.
CONV3D_STACK = ((8, 7), (16, 5), (32, 3))
CONV2D_CHANNELS = 64

ATTENTIONS = ("none", "se", "cbam")
CONV3D_KINDS = ("standard", "factorised", "separable")
NORMS = ("none", "batch")
POSITIONS = ("after_3d", "after_2d", "both")
CONV2D_KINDS = ("standard", "grouped", "depthwise_separable", "resnext", "inverted_residual", "shuffle_v2")
BLOCKS = {"resnext", "inverted_residual", "shuffle_v2"}  # a 1x1 reduction to 64 channels, then a residual unit
HEADS = ("flatten", "gap")


def min_input_size() -> tuple[int, int]:
    """Smallest (bands, window) that leaves at least one output of every convolution."""
    bands = sum(k - 1 for _, k in CONV3D_STACK) + 1
    window = 2 * (len(CONV3D_STACK) + 1) + 1
    return bands, window


def _check_choices(**values: str) -> None:
    """Refuse any value of a multiple-choice argument that is not one of its options."""
    options = {
        "attention": ATTENTIONS,
        "attention_position": POSITIONS,
        "conv2d": CONV2D_KINDS,
        "head": HEADS,
        "conv3d": CONV3D_KINDS,
        "norm3d": NORMS,
    }
    for name, value in values.items():
        if value not in options[name]:
            raise ValueError(f"{name} must be one of {', '.join(options[name])}, got '{value}'")


def _check_sizes(in_bands: int, window: int, num_classes: int) -> None:
    min_bands, min_window = min_input_size()
    if in_bands < min_bands:
        raise ValueError(
            f"HybridSN needs at least {min_bands} spectral bands (its 3-D kernels span "
            f"{'+'.join(str(k) for _, k in CONV3D_STACK)}), got {in_bands}"
        )
    if window < min_window:
        raise ValueError(f"HybridSN needs windows of at least {min_window}x{min_window}, got {window}")
    if num_classes < 2:
        raise ValueError(f"HybridSN needs at least 2 classes, got {num_classes}")


def _conv3d(kind: str, channels: int, out_channels: int, spectral: int, activation: str, norm: str) -> list[nn.Module]:
    """One 3-D convolution of the stack with a ``spectral x 3 x 3`` receptive field and no padding.

    ``factorised``: 1x3x3 spatial then spectral x 1 x 1, an activation between, ``out_channels`` in the
    middle ((2+1)-D). ``separable``: a depthwise spectral x 3 x 3 convolution, an activation, then a
    pointwise 1x1x1 one. Both keep the output shape of the full convolution, so the rest of the
    network and its dense path are unchanged. ``norm="batch"`` puts a BatchNorm3d after every
    convolution, before its activation, as both factorisations' papers do (Tran et al. 2018; Howard
    et al. 2017); in evaluation it is a per-channel affine map, so the dense path stays exact, and in
    training on tiles it takes its statistics over the tiles' windows (:mod:`hsi.models.window_norm`).
    """

    def conv(cin: int, cout: int, kernel, groups: int = 1) -> list[nn.Module]:
        layer = nn.Conv3d(cin, cout, kernel, groups=groups, bias=norm == "none")  # a norm's shift is the bias
        return [layer] if norm == "none" else [layer, WindowBatchNorm3d(cout)]

    if kind == "factorised":
        return [
            *conv(channels, out_channels, (1, 3, 3)),
            create_act(activation),
            *conv(out_channels, out_channels, (spectral, 1, 1)),
        ]
    if kind == "separable" and channels > 1:
        return [
            *conv(channels, channels, (spectral, 3, 3), groups=channels),
            create_act(activation),
            *conv(channels, out_channels, 1),
        ]
    return conv(channels, out_channels, (spectral, 3, 3))


def _conv3d_stack(
    in_bands: int, activation: str, kind: str = "standard", norm: str = "none"
) -> tuple[nn.Sequential, nn.Module, int]:
    """The three 3-D convolutions, the activation that runs after the fold, and the folded channel count."""
    layers: list[nn.Module] = []
    channels, depth = 1, in_bands
    for out_channels, spectral in CONV3D_STACK:
        layers += [*_conv3d(kind, channels, out_channels, spectral, activation, norm), create_act(activation)]
        channels, depth = out_channels, depth - spectral + 1
    # The last activation of the 3-D stack runs after the fold (same values: it is
    # element-wise) so that it, and its backward pass, see a contiguous 4-D tensor.
    stack = nn.Sequential(*layers[:-1])
    # Channels-last weights and inputs: oneDNN's fastest 3-D convolutions on the CPU.
    stack.to(memory_format=torch.channels_last_3d)
    return stack, layers[-1], channels * depth


def _conv2d(
    kind: str, folded: int, groups: int, activation: str, block_se: bool = False, gate: str = "sigmoid"
) -> nn.Module:
    """The 2-D part: the paper's convolution, grouped + shuffle (ShuffleNet), depthwise-separable (MobileNet),
    or a 1x1 reduction to 64 channels followed by a residual unit (ResNeXt, MobileNetV2, ShuffleNet V2)."""
    if kind in BLOCKS:
        unit = {
            "resnext": lambda: ResNeXtBlock(CONV2D_CHANNELS, groups, activation, se=block_se, gate_layer=gate),
            "inverted_residual": lambda: InvertedResidual(CONV2D_CHANNELS),
            "shuffle_v2": lambda: ShuffleV2Unit(CONV2D_CHANNELS, activation),
        }[kind]
        return nn.Sequential(nn.Conv2d(folded, CONV2D_CHANNELS, 1), create_act(activation), unit())
    if kind == "standard":
        return nn.Conv2d(folded, CONV2D_CHANNELS, 3)
    if kind == "grouped":
        return GroupedShuffleConv2d(folded, CONV2D_CHANNELS, 3, groups)
    return DepthwiseSeparableConv2d(folded, CONV2D_CHANNELS, 3, act_layer=activation)


def _attention(kind: str, width: int, rd_ratio: float, gate: str) -> nn.Module:
    """SE (Hu et al. 2018), CBAM (Woo et al. 2018) or nothing, over ``width`` channels."""
    if kind == "se":
        return SqueezeExcite(width, rd_ratio, act_layer="relu", gate_layer=gate)
    if kind == "cbam":
        return CBAM(width, rd_ratio, act_layer="relu", gate_layer=gate)
    return nn.Identity()


def _defers_pooling(unit: nn.Module, attention_3d: nn.Module, pools_in_2d: bool) -> bool:
    """Whether the 2-D part ends in a residual unit whose only pooling is the SE on its branch (SE-ResNeXt),
    which can be deferred: the unit's convolutions then join the part that overlapping windows share."""
    last = unit[-1] if isinstance(unit, nn.Sequential) else unit
    return pools_in_2d and isinstance(attention_3d, nn.Identity) and hasattr(last, "before_pooling")


class HybridSN(nn.Module):
    """HybridSN for ``(N, 1, bands, window, window)`` inputs; returns ``(N, num_classes)`` logits.

    Args:
        in_bands: spectral depth of the input (PCA components).
        window: spatial side of the input patch.
        num_classes: number of output classes.
        dropout: dropout after each of the two hidden dense layers (0.4 in the paper).
        attention: ``none``, ``se`` (Squeeze-and-Excitation) or ``cbam``.
        attention_position: ``after_3d`` (on the folded 3-D features), ``after_2d`` or ``both``.
        conv2d: ``standard`` (the paper), ``grouped`` (+ channel shuffle) or ``depthwise_separable``.
        groups: groups of the grouped 2-D convolution.
        activation: ``relu`` (the paper) or ``hard_swish``.
        gate: attention gate, ``sigmoid`` or ``hard_sigmoid``.
        rd_ratio: attention bottleneck width as a fraction of the channels.
        head: ``flatten`` (the paper's dense layer over every position) or ``gap``.
        block_se: with ``conv2d=resnext``, an SE module inside the unit (SE-ResNeXt).
        conv3d: the 3-D convolutions: ``standard`` (the paper), ``factorised`` ((2+1)-D) or ``separable``.
        norm3d: ``none`` (the paper) or ``batch``: BatchNorm3d after every 3-D convolution.
        init: the weights' start: ``torch`` (PyTorch's defaults), ``glorot`` (Keras's, the paper's
            framework) or ``kaiming`` (He et al. 2015); see :mod:`hsi.models.layers.init`.
    """

    def __init__(
        self,
        in_bands: int,
        window: int,
        num_classes: int,
        dropout: float = 0.4,
        attention: str = "none",
        attention_position: str = "after_2d",
        conv2d: str = "standard",
        groups: int = 4,
        activation: str = "relu",
        gate: str = "sigmoid",
        rd_ratio: float = 1 / 4,
        head: str = "flatten",
        block_se: bool = False,
        conv3d: str = "standard",
        norm3d: str = "none",
        init: str = "torch",
    ) -> None:
        super().__init__()
        _check_sizes(in_bands, window, num_classes)
        _check_choices(attention=attention, attention_position=attention_position, conv2d=conv2d)
        _check_choices(head=head, conv3d=conv3d, norm3d=norm3d)
        self.in_bands, self.window, self.num_classes, self.head_kind = in_bands, window, num_classes, head
        # Modules are built in forward order, so the same seed gives the same weights as ever.
        self.spectral_spatial, self.fold_act, folded = _conv3d_stack(in_bands, activation, conv3d, norm3d)
        spatial = window - 2 * len(CONV3D_STACK) - 2

        def attend(width: int, where: str) -> nn.Module:
            return _attention(attention if attention_position in (where, "both") else "none", width, rd_ratio, gate)

        self.attention_3d = attend(folded, "after_3d")
        unit = _conv2d(conv2d, folded, groups, activation, block_se and conv2d == "resnext", gate)
        self.spatial = nn.Sequential(unit, create_act(activation))
        self.attention_2d = attend(CONV2D_CHANNELS, "after_2d")
        # The head: the paper flattens the whole 2-D map into Dense 256; `gap` averages it first.
        self.head_side = spatial
        self.pool = nn.Identity() if head == "flatten" else nn.AdaptiveAvgPool2d(1)
        features = CONV2D_CHANNELS * spatial * spatial if head == "flatten" else CONV2D_CHANNELS
        self.fc1 = nn.Linear(features, 256)
        self.fc2 = nn.Linear(256, 128)
        self.classifier = nn.Linear(128, num_classes)
        self.head_act = create_act(activation)
        self.dropout = nn.Dropout(dropout)
        # pooling over the window (attention, or SE inside the 2-D unit) breaks the one-pass dense path
        self.pools_in_2d = any(getattr(m, "pools_over_window", False) for m in self.spatial.modules())
        self.supports_dense = attention == "none" and not self.pools_in_2d
        self.defers_unit_pooling = _defers_pooling(unit, self.attention_3d, self.pools_in_2d)
        self.init_scheme = init  # recorded with the run: how training started
        initialise_(self, init)

    def folded(self, x: torch.Tensor) -> torch.Tensor:
        """The 3-D stack's output with the spectral axis folded into channels: ``(N, C*D, h-6, w-6)``."""
        # oneDNN runs these 3-D convolutions about 1.3x faster on channels-last input,
        # forward and backward, in bf16 and fp32 (benchmarks/benchmark.py measures it).
        x = self.spectral_spatial(x.contiguous(memory_format=torch.channels_last_3d))
        n, c, d, h, w = x.shape
        return self.fold_act(x.reshape(n, c * d, h, w))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The 2-D feature map ``(N, 64, window-8, window-8)`` that the head classifies."""
        return self.attention_2d(self.spatial(self.attention_3d(self.folded(x))))

    @property
    def shares_2d(self) -> bool:
        """Whether the 2-D convolution, too, is the same for every window (no attention before it)."""
        return isinstance(self.attention_3d, nn.Identity) and not self.pools_in_2d

    def trunk(self, x: torch.Tensor) -> torch.Tensor:
        """Every layer before the first that pools over a window: the part overlapping windows can share."""
        x = self.folded(x)
        if self.shares_2d:
            return self.spatial(x)
        if self.defers_unit_pooling:
            layers = self.spatial[0]
            return layers[-1].before_pooling(layers[:-1](x))
        return x

    def head(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of windows from their :meth:`trunk` maps (each cut to the window's own footprint)."""
        if self.defers_unit_pooling:
            x = self.spatial[1](self.spatial[0][-1].after_pooling(x))  # the unit's SE and addition, then its act
        elif not self.shares_2d:
            x = self.spatial(self.attention_3d(x))
        return self.classify(self.attention_2d(x))

    def sharing(self) -> Sharing:
        """The dense path without attention or pooling in the 2-D part; a trunk always (see :meth:`trunk`)."""
        return Sharing(dense=self.supports_dense, trunk=True, batch_statistics=not has_window_statistics(self))

    def trunk_side(self) -> int:
        """The side of one window's footprint on the :meth:`trunk` map."""
        whole_2d = self.shares_2d or self.defers_unit_pooling
        return self.window - 2 * len(CONV3D_STACK) - (2 if whole_2d else 0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classify(self.features(x))

    def classify(self, x: torch.Tensor) -> torch.Tensor:
        """The dense head on a 2-D feature map."""
        x = self.pool(x).flatten(1)
        x = self.dropout(self.head_act(self.fc1(x)))
        x = self.dropout(self.head_act(self.fc2(x)))
        return self.classifier(x)

    def forward_dense(self, padded: torch.Tensor) -> torch.Tensor:
        """Logits of every window of a padded scene at once: ``(1, 1, bands, H+w-1, W+w-1)`` -> ``(1, K, H, W)``.

        The network is convolutions plus dense layers over a fixed window, so the first dense
        layer is a convolution whose kernel is the window's footprint (its weight reshaped, in
        the order ``Flatten`` reads the map), and the later dense layers are 1x1 convolutions.
        Overlapping windows then share the work of the convolution stack. Exact for the models
        whose ``supports_dense`` is true: attention pools over each window, so it is not.
        """
        if not self.supports_dense:
            raise RuntimeError("this HybridSN variant pools over each window (attention); predict window by window")
        if self.training:
            raise RuntimeError("forward_dense is for inference: call model.eval() first (dropout)")
        x = self.features(padded)
        side = self.head_side
        if isinstance(self.pool, nn.AdaptiveAvgPool2d):
            x = nn.functional.avg_pool2d(x, side, stride=1)
            fc1 = self.fc1.weight[:, :, None, None]
        else:
            fc1 = self.fc1.weight.reshape(self.fc1.out_features, CONV2D_CHANNELS, side, side)
        x = self.head_act(nn.functional.conv2d(x, fc1, self.fc1.bias))
        x = self.head_act(nn.functional.conv2d(x, self.fc2.weight[:, :, None, None], self.fc2.bias))
        return nn.functional.conv2d(x, self.classifier.weight[:, :, None, None], self.classifier.bias)
