"""The classic deep baseline that sees no neighbours: a 1-D CNN over each pixel's spectrum.

Hu, Huang, Wei, Zhang, Li, "Deep Convolutional Neural Networks for Hyperspectral Image
Classification", Journal of Sensors 2015, 258619. One convolution of 20 kernels of width
``bands // 9`` along the spectrum (the widths the paper lists: 24, 24 and 11 for 220, 224 and
103 bands), a max pooling of width ``ceil(width / 5)``, a dense layer of 100 units and the
output, with tanh activations, as in the paper. Like the SVM, it reads the
raw spectrum of a single pixel, with its own scaling: every band standardised on the training
pixels (the CNN's whitened PCA is HybridSN's preprocessing, not this network's). The paper
trains by mini-batch gradient descent; here Adam with a fixed schedule (``epochs``, ``lr``,
``batch_size``), set before any run and not chosen on test pixels.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from hsi.errors import UserError
from hsi.models.focal_loss import focal_loss
from hsi.models.masked_bands import pretrain_masked_bands


class HuSpectralNet(nn.Module):
    """The network of Hu et al. (2015) for spectra of ``bands`` values and ``num_classes`` classes."""

    def __init__(self, bands: int, num_classes: int, kernels: int = 20, hidden: int = 100) -> None:
        super().__init__()
        width = max(1, bands // 9)
        pool = math.ceil(width / 5)
        self.features = nn.Sequential(nn.Conv1d(1, kernels, width), nn.Tanh(), nn.MaxPool1d(pool, ceil_mode=True))
        pooled = math.ceil((bands - width + 1) / pool)  # the paper keeps the last, partial pool (197 -> 40)
        self.head = nn.Sequential(
            nn.Flatten(), nn.Linear(kernels * pooled, hidden), nn.Tanh(), nn.Linear(hidden, num_classes)
        )

    def forward(self, spectra: torch.Tensor) -> torch.Tensor:
        """``(N, bands)`` standardised spectra to ``(N, num_classes)`` logits."""
        return self.head(self.features(spectra[:, None, :]))

    def encoder(self) -> nn.Module:
        """The layers up to the hidden units, sharing this network's weights: ``(N, bands)`` to ``(N, hidden)``."""
        return nn.Sequential(nn.Unflatten(1, (1, -1)), self.features, *self.head[:3])


def class_index(labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The pool's pixels sorted by class, each class's count, and where its run starts in that order."""
    counts = torch.bincount(labels)
    return torch.argsort(labels, stable=True), counts, torch.cumsum(counts, 0) - counts


def augment_spectra(
    pool: torch.Tensor,
    labels: torch.Tensor,
    batch: torch.Tensor,
    generator: torch.Generator,
    brightness: float,
    mix: bool,
    by_class: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None,
) -> torch.Tensor:
    """The training spectra ``pool[batch]`` as they might look on other ground, drawn afresh for every batch.

    ``brightness``: each spectrum scaled by one factor drawn from ``[1 - brightness, 1 + brightness]``
    (illumination, slope and haze scale a pixel's radiance: the windows' ``trainer.spectral_scale``
    of :mod:`hsi.train.spectral_jitter`, here on raw spectra).
    ``mix``: each spectrum replaced by a random convex combination of itself and a random spectrum of
    its own class from the whole ``pool`` (a within-class mixup: Zhang et al., "mixup: Beyond Empirical
    Risk Minimization", ICLR 2018, with both ends of one class, so the label stays), which fills the
    space between a class's training fields. ``by_class``: :func:`class_index` of ``labels``, computed once
    by a caller that augments many batches of one pool.
    """
    out = pool[batch]
    if mix:
        own = labels[batch]
        order, counts, starts = by_class if by_class is not None else class_index(labels)
        draw = torch.rand(len(batch), generator=generator)
        partner = order[starts[own] + torch.minimum((draw * counts[own]).long(), counts[own] - 1)]
        weight = torch.rand(len(batch), 1, generator=generator)
        out = weight * out + (1 - weight) * pool[partner]
    if brightness:
        out = out * (1 + brightness * (2 * torch.rand(len(batch), 1, generator=generator) - 1))
    return out


class SpectralCNN1D:
    """Standardised spectra -> :class:`HuSpectralNet`, trained with Adam; the interface of the SVM baseline.

    Args:
        in_bands, window, num_classes: given by the pipeline like every model; ``in_bands`` (the
            CNN's PCA size) and ``window`` are unused: the network reads raw spectra.
        epochs, lr, batch_size: the fixed training schedule.
        brightness, mix: spectral augmentation of every training batch (:func:`augment_spectra`); off at 0
            and false.
        focal_gamma: the training loss is the focal loss with this exponent (:mod:`hsi.models.focal_loss`);
            0, cross-entropy.
        pretrain_epochs: before training, epochs of masked-band reconstruction on every pixel of the scene,
            no label read (:mod:`hsi.models.masked_bands`; transductive); 0, none.
        seed: seeds the initial weights, the batches and the augmentation.
    """

    wants_raw_spectra = True

    def __init__(
        self,
        in_bands: int,
        window: int,
        num_classes: int,
        epochs: int = 200,
        lr: float = 1e-3,
        batch_size: int = 64,
        brightness: float = 0.0,
        mix: bool = False,
        focal_gamma: float = 0.0,
        pretrain_epochs: int = 0,
        seed: int = 0,
    ) -> None:
        if isinstance(brightness, bool) or not isinstance(brightness, int | float) or not 0 <= brightness < 1:
            raise UserError(f"model.brightness is {brightness!r}; give a spread of at least 0 and below 1.")
        if not isinstance(mix, bool):
            raise UserError(f"model.mix is {mix!r}; it must be true or false.")
        if isinstance(focal_gamma, bool) or not isinstance(focal_gamma, int | float) or not 0 <= focal_gamma <= 10:
            raise UserError(f"model.focal_gamma is {focal_gamma!r}; give an exponent from 0 (cross-entropy) to 10.")
        if isinstance(pretrain_epochs, bool) or not isinstance(pretrain_epochs, int) or pretrain_epochs < 0:
            raise UserError(f"model.pretrain_epochs is {pretrain_epochs!r}; give a whole number of epochs, 0 for none.")
        self.num_classes = num_classes
        self.epochs, self.lr, self.batch_size, self.seed = epochs, lr, batch_size, seed
        self.brightness, self.mix = float(brightness), mix
        self.focal_gamma, self.pretrain_epochs = float(focal_gamma), pretrain_epochs
        self.pretrain_losses: list[float] = []
        self.network: HuSpectralNet | None = None
        self.mean = self.scale = None
        self.chosen: dict = {}

    def _standardise(self, spectra: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(((np.asarray(spectra, dtype=np.float64) - self.mean) / self.scale).astype(np.float32))

    @property
    def wants_scene_spectra(self) -> bool:
        """Whether :meth:`fit` reads every pixel's spectrum of the scene (for pre-training)."""
        return self.pretrain_epochs > 0

    def fit(self, spectra: np.ndarray, labels: np.ndarray, scene: np.ndarray | None = None) -> SpectralCNN1D:
        """Train on ``spectra`` and their ``labels``; ``scene``, every pixel's spectrum (unlabelled), is read
        only by pre-training and required by it."""
        spectra = np.asarray(spectra, dtype=np.float64)
        self.mean = spectra.mean(0)
        self.scale = np.where(spectra.std(0) > 0, spectra.std(0), 1.0)  # a constant band stays 0
        torch.manual_seed(self.seed)
        self.network = HuSpectralNet(spectra.shape[1], self.num_classes)
        if self.pretrain_epochs:
            if scene is None:
                raise ValueError("pre-training reads the scene's spectra: pass scene=")
            hidden = self.network.head[1].out_features
            self.pretrain_losses = pretrain_masked_bands(
                self.network.encoder(), hidden, self._standardise(scene), self.pretrain_epochs, self.lr, self.seed
            )
        inputs, targets = self._standardise(spectra), torch.from_numpy(np.asarray(labels, dtype=np.int64))
        augmenting = bool(self.brightness or self.mix)
        if augmenting:  # the raw pool, its classes' index and the scaling, once for every batch
            raw = torch.from_numpy(spectra.astype(np.float32))
            by_class = class_index(targets)
            mean, scale = (torch.from_numpy(v.astype(np.float32)) for v in (self.mean, self.scale))
        optimiser = torch.optim.Adam(self.network.parameters(), lr=self.lr)
        order = torch.Generator().manual_seed(self.seed)
        draws = torch.Generator().manual_seed(self.seed + 1)  # its own stream: the batch order stays as without
        self.network.train()
        for _ in range(self.epochs):
            for batch in torch.randperm(len(inputs), generator=order).split(self.batch_size):
                batch_inputs = inputs[batch]
                if augmenting:  # on the raw spectra, then scaled as every input is
                    augmented = augment_spectra(raw, targets, batch, draws, self.brightness, self.mix, by_class)
                    batch_inputs = (augmented - mean) / scale
                optimiser.zero_grad()
                focal_loss(self.network(batch_inputs), targets[batch], self.focal_gamma).backward()
                optimiser.step()
        self.network.eval()
        schedule = f"Adam, learning rate {self.lr:g}, {self.epochs} epochs of batches of {self.batch_size}"
        if self.brightness:
            schedule += f"; each spectrum scaled by up to {self.brightness:g} either way"
        if self.mix:
            schedule += "; each spectrum mixed with one of its own class"
        if self.focal_gamma:
            schedule += f"; focal loss, gamma {self.focal_gamma:g}"
        if self.pretrain_epochs:
            schedule = (
                f"{self.pretrain_epochs} epochs of masked-band reconstruction on the scene's "
                f"{len(scene):,} unlabelled pixels (transductive), then " + schedule
            )
        self.chosen = {"bands": spectra.shape[1], "schedule": schedule}
        return self

    @torch.no_grad()
    def predict_proba(self, spectra: np.ndarray) -> np.ndarray:
        """Softmax probabilities ``(N, num_classes)``, in batches so that a whole scene fits in memory."""
        inputs = self._standardise(spectra)
        chunks = [torch.softmax(self.network(part), 1) for part in inputs.split(65536)]
        return torch.cat(chunks).numpy() if chunks else np.zeros((0, self.num_classes), np.float32)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.network.parameters())

    def state_dict(self) -> dict:
        """The network's weights and the band scaling, as tensors."""
        return {
            "network": self.network.state_dict(),
            "mean": torch.from_numpy(self.mean),
            "scale": torch.from_numpy(self.scale),
            "chosen": dict(self.chosen),
        }

    def load_state_dict(self, state: dict) -> None:
        self.mean, self.scale = state["mean"].numpy(), state["scale"].numpy()
        self.network = HuSpectralNet(len(self.mean), self.num_classes)
        self.network.load_state_dict(state["network"])
        self.network.eval()
        self.chosen = dict(state["chosen"])
