"""The training batches of one fit: windows in a fresh order, or tiles of the scene, under the augmentations.

Each step is ``(forward, pixels, partner, lam)``: ``forward(model)`` gives the logits of the
batch's training ``pixels``; ``partner`` and ``lam`` say how mixup or CutMix blended it (None and
1.0 when it was not). Everything random is drawn from the fit's batch-order generator, so a
resumed fit draws what the uninterrupted one would have.
"""

from __future__ import annotations

import logging

import torch
from torch import nn

from hsi.patches import PatchSampler
from hsi.train import dihedral, mixing, scene, spectral_jitter, tiles
from hsi.train.options import TrainerOptions

log = logging.getLogger(__name__)


class TrainingBatches:
    """The batches ``options`` ask for (``batches``, ``batch_size``, the augmentations, ``tile_side``).

    Args:
        dark: the PCA image of a black spectrum, about which ``spectral_scale`` scales (None: zero).
    """

    def __init__(self, options: TrainerOptions, device: torch.device, dark: torch.Tensor | None = None) -> None:
        self.options, self.device, self.dark = options, device, dark
        self.side: int | None = None  # the tile side of this fit, once chosen

    def choose_tile_side(self, model: nn.Module, train_pixels, sampler: PatchSampler) -> int | None:
        """With tile batches: check the model, then fix the tile side of this fit."""
        kind = self.options.batches
        if kind == "windows":
            return None
        tiles.check_model(model, kind)
        if kind == "scene":
            self.side = self.options.tile_side or scene.crop_side(model, sampler)
            tiles.check_side(self.side, sampler.scene_shape)
            return self.side
        self.side = self.options.tile_side or self._auto_side(train_pixels, sampler)
        tiles.check_side(self.side, sampler.scene_shape)
        if kind == "tiles":
            shape, window = sampler.scene_shape, sampler.window
            ratio = tiles.cost_against_windows(train_pixels, shape, self.side, self.options.batch_size, window)
            if ratio > 1:
                log.warning(
                    "trainer.batches=tiles: the tiles that hold a random batch of %d training pixels read %.1fx "
                    "the input of its windows here, so expect it to be slower than trainer.batches=windows",
                    self.options.batch_size,
                    ratio,
                )
        return self.side

    def steps(self, generator: torch.Generator, sampler: PatchSampler, train_pixels: torch.Tensor, classes=None):
        """One epoch's steps over the training pixels (``classes``: theirs, which scene batches stratify by)."""
        if self.options.batches == "windows":
            return self._window_steps(generator, sampler, train_pixels)
        if self.options.batches == "scene":
            return self._scene_steps(generator, sampler, train_pixels, classes)
        return self._tile_steps(generator, sampler, train_pixels)

    def _auto_side(self, pixels, sampler: PatchSampler) -> int:
        """The tile side chosen for ``pixels`` when ``tile_side`` is null (:mod:`hsi.train.tiles`)."""
        batch_size = self.options.batch_size
        if self.options.batches == "grid":
            return tiles.auto_grid_side(pixels, sampler.scene_shape, -(-len(pixels) // batch_size))
        return tiles.auto_side(pixels, sampler.scene_shape, batch_size, sampler.window)

    def _window_steps(self, generator: torch.Generator, sampler: PatchSampler, train_pixels: torch.Tensor):
        """Batches of ``batch_size`` windows in a fresh order."""
        order = train_pixels[torch.randperm(len(train_pixels), generator=generator)]
        for batch in order.split(self.options.batch_size):
            x, partner, lam = self.augmented(sampler(batch), generator)
            x = x.to(self.device, non_blocking=True)
            yield (lambda model, x=x: model(x)), batch, partner, lam

    def _tile_steps(self, generator: torch.Generator, sampler: PatchSampler, train_pixels: torch.Tensor):
        """``tiles``: the window batches' pixels, each batch computed through the tiles that hold it;
        ``grid``: whole tiles of a grid as batches (:mod:`hsi.train.tiles`)."""
        side, shape, grid = self.side, sampler.scene_shape, self.options.batches == "grid"
        for batch in tiles.epoch_batches(train_pixels, shape, side, self.options.batch_size, grid, generator):
            x = tiles.cut_tiles(sampler.padded, batch.corners, side, sampler.margin)
            row, col = batch.row, batch.col
            if self.options.augment == "d4":
                views = torch.randint(0, dihedral.ORDER, (len(x),), generator=generator)
                x, row, col = tiles.turn(x, batch, views, side)
            x, _, _ = self.augmented(x, generator, turn=False)  # the spectral augmentations, per tile
            x = x.to(self.device, non_blocking=True)
            forward = lambda model, x=x, t=batch.tile, r=row, c=col: tiles.tile_logits(model, x, t, r, c, side)  # noqa: E731
            yield forward, batch.pixels, None, 1.0

    def _scene_steps(self, generator: torch.Generator, sampler: PatchSampler, train_pixels: torch.Tensor, classes):
        """As many steps as window batches of ``batch_size`` would take, each the trunk over the whole scene
        (or a crop) and the loss on a fresh stratified sample of ``batch_size`` of its training pixels
        (:mod:`hsi.train.scene`). ``d4`` turns the whole crop, so a step's windows share one view."""
        side, shape, size = self.side, sampler.scene_shape, self.options.batch_size
        for _ in range(-(-len(train_pixels) // size)):
            batch = scene.scene_batch(train_pixels, classes, shape, side, size, generator)
            x = tiles.cut_tiles(sampler.padded, batch.corners, side, sampler.margin)
            row, col = batch.row, batch.col
            if self.options.augment == "d4":
                x, row, col = tiles.turn(x, batch, torch.randint(0, dihedral.ORDER, (1,), generator=generator), side)
            x, _, _ = self.augmented(x, generator, turn=False)
            x = x.to(self.device, non_blocking=True)
            forward = lambda model, x=x, t=batch.tile, r=row, c=col: tiles.tile_logits(model, x, t, r, c, side)  # noqa: E731
            yield forward, batch.pixels, None, 1.0

    def augmented(self, x: torch.Tensor, generator: torch.Generator, turn: bool = True):
        """A training batch under the augmentations switched on: ``(windows, partner, lam)``, where
        ``partner`` is None unless the batch was mixed. ``turn=False`` leaves out D4 (tile batches
        turn their tiles themselves)."""
        o = self.options
        if o.augment == "d4" and turn:
            x = dihedral.random_views(x, generator)
        if o.spectral_scale is not None:
            x = spectral_jitter.scale_brightness(x, o.spectral_scale, generator, self.dark)
        if o.spectral_noise is not None:
            x = spectral_jitter.add_noise(x, o.spectral_noise, generator)
        kind, alpha = ("mixup", o.mixup) if o.mixup is not None else ("cutmix", o.cutmix)
        if alpha is None:
            return x, None, 1.0
        return mixing.mix_batch(x, kind, alpha, generator)
