"""Weight initialisation schemes for the convolutions and dense layers of a network.

- ``torch``: PyTorch's defaults (uniform in +-1/sqrt(fan_in), He et al. 2015's rule with a = sqrt(5)).
  Each ReLU layer then keeps about a sixth of its input's variance, so through HybridSN's seven
  layers the logits start almost independent of the input.
- ``glorot``: uniform in +-sqrt(6 / (fan_in + fan_out)), biases zero (Glorot & Bengio 2010,
  "Understanding the difficulty of training deep feedforward neural networks", AISTATS). Keras's
  default for convolutions and dense layers, so the weights HybridSN (Roy et al. 2020, trained in
  Keras) started from.
- ``kaiming``: normal with variance 2 / fan_in, biases zero (He et al. 2015, "Delving Deep into
  Rectifiers", ICCV): the variance a ReLU layer keeps, so activations neither vanish nor grow.

Norm layers keep their own start (scale 1, shift 0) under every scheme.
"""

from __future__ import annotations

from torch import nn

INITS = ("torch", "glorot", "kaiming")
_WEIGHTED = (nn.Conv2d, nn.Conv3d, nn.Linear)


def initialise_(model: nn.Module, scheme: str) -> nn.Module:
    """Draw every convolution's and dense layer's weights again by ``scheme``, in module order (in place)."""
    if scheme not in INITS:
        raise ValueError(f"init must be one of {', '.join(INITS)}, got '{scheme}'")
    if scheme == "torch":
        return model  # the layers drew their weights when they were built
    for layer in model.modules():
        if not isinstance(layer, _WEIGHTED):
            continue
        if scheme == "glorot":
            nn.init.xavier_uniform_(layer.weight)
        else:
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
        if layer.bias is not None:
            nn.init.zeros_(layer.bias)
    return model
