"""What a network can share between overlapping windows: the contract prediction and tile training ask.

In the spirit of timm's ``forward_features`` / ``forward_head``: a network that can compute the part
of its work that overlapping windows have in common once over a whole scene or tile says so through
:class:`SharesWindows`, and :func:`sharing` reads its answer. Nothing else guesses from attributes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import torch
from torch import nn


@dataclass(frozen=True)
class Sharing:
    """``dense``: the whole network runs as convolutions over a padded scene (``forward_dense``), exactly.
    ``trunk``: ``trunk`` / ``head`` / ``trunk_side`` split it where the first layer that pools over a
    window starts. ``batch_statistics``: some layer normalises with its batch's statistics in training
    and cannot take them over the windows a tile holds (plain batch norm; :mod:`hsi.models.window_norm`
    can), so a batch of tiles would not train as the same pixels' windows would."""

    dense: bool = False
    trunk: bool = False
    batch_statistics: bool = False


@runtime_checkable
class SharesWindows(Protocol):
    """A network that declares what it shares, and the parts that do the sharing."""

    def sharing(self) -> Sharing: ...

    def trunk(self, x: torch.Tensor) -> torch.Tensor: ...

    def head(self, x: torch.Tensor) -> torch.Tensor: ...

    def trunk_side(self) -> int: ...


def sharing(model: nn.Module) -> Sharing:
    """What ``model`` declares; a network that declares nothing shares nothing (window by window)."""
    return model.sharing() if isinstance(model, SharesWindows) else Sharing()
