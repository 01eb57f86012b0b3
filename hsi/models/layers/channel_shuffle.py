"""Channel shuffle: let grouped convolutions exchange information between groups.

Zhang, Zhou, Lin, Sun, "ShuffleNet: An Extremely Efficient Convolutional Neural Network for
Mobile Devices", CVPR 2018, arXiv:1707.01083; Ma et al., "ShuffleNet V2", ECCV 2018.
"""

from __future__ import annotations

from torch import Tensor


def channel_shuffle(x: Tensor, groups: int) -> Tensor:
    """Reshape channels to ``(groups, C/groups)``, transpose, flatten: channel g*k+i goes to i*groups+g."""
    n, c = x.shape[:2]
    if c % groups:
        raise ValueError(f"{c} channels cannot be split into {groups} groups")
    return x.reshape(n, groups, c // groups, *x.shape[2:]).transpose(1, 2).reshape(x.shape)


def channel_unshuffle(x: Tensor, groups: int) -> Tensor:
    """The inverse of :func:`channel_shuffle` with the same ``groups``."""
    return channel_shuffle(x, x.shape[1] // groups)
