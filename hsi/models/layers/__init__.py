"""Building blocks of the HybridSN variants, one idea per file."""

from hsi.models.layers.activations import create_act
from hsi.models.layers.blocks import InvertedResidual, ResNeXtBlock, ShuffleV2Unit, center_crop
from hsi.models.layers.cbam import CBAM, ChannelAttention, SpatialAttention
from hsi.models.layers.channel_shuffle import channel_shuffle, channel_unshuffle
from hsi.models.layers.conv2d import DepthwiseSeparableConv2d, GroupedShuffleConv2d
from hsi.models.layers.init import INITS, initialise_
from hsi.models.layers.squeeze_excite import SqueezeExcite

__all__ = [
    "INITS",
    "CBAM",
    "ChannelAttention",
    "DepthwiseSeparableConv2d",
    "GroupedShuffleConv2d",
    "InvertedResidual",
    "ResNeXtBlock",
    "ShuffleV2Unit",
    "SpatialAttention",
    "SqueezeExcite",
    "channel_shuffle",
    "center_crop",
    "channel_unshuffle",
    "create_act",
    "initialise_",
]
