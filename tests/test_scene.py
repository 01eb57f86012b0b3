"""Whole-scene batches: the loss and gradients of the window batch of the same pixels, a stratified sample
drawn afresh each step, crops that hold what they sample, and a crop side from the memory it may use."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from test_tiles import BANDS, CLASSES, SHAPE, TILEABLE, WINDOW, _loss_and_grads, _model, _scene, assert_same_step

from hsi.errors import UserError
from hsi.models.spectral_cnn import HuSpectralNet
from hsi.train import Trainer, scene, tiles
from hsi.train.batches import TrainingBatches
from hsi.train.options import TrainerOptions

SQUARE = (SHAPE[0], SHAPE[0])


def _square_scene(dtype=torch.float64):
    """A square scene, so that a step's crop is the whole of it."""
    padded, _ = _scene(dtype)
    margin = WINDOW // 2
    padded = padded[:, :, : SQUARE[1] + 2 * margin].contiguous()
    return padded, tiles.PatchSampler(padded, WINDOW, SQUARE[1])


def _one_step(model, sampler, side, classes, generator):
    """The first step of an epoch of scene batches over every other pixel of the scene."""
    options = TrainerOptions(batch_size=24, batches="scene", tile_side=side)
    batches = TrainingBatches(options, torch.device("cpu"))
    batches.choose_tile_side(model, None, sampler)
    train = torch.arange(0, sampler.scene_shape[0] * sampler.scene_shape[1], 2)
    forward, pixels, _, _ = next(iter(batches.steps(generator, sampler, train, classes[train])))
    return forward, pixels


@pytest.mark.parametrize("square", [True, False], ids=["whole_scene", "crop"])
@pytest.mark.parametrize("name, overrides", TILEABLE, ids=[n + "".join(o) for n, o in TILEABLE])
def test_a_scene_step_has_the_loss_and_gradients_of_the_window_step(name, overrides, square):
    """float64, training mode (dropout 0), batch norm's statistics and running averages included; on a
    square scene the step computes all of it, on an oblong one a square crop at a drawn place. (D4 turns
    the crop with :func:`hsi.train.tiles.turn`, whose exactness ``tests/test_tiles.py`` checks.)"""
    model = _model(name, *overrides).double().train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    padded, sampler = _square_scene() if square else _scene()
    classes = torch.as_tensor(np.random.default_rng(3).integers(0, CLASSES, SHAPE[0] * SHAPE[1]))
    generator = torch.Generator().manual_seed(5)
    forward, pixels = _one_step(model, sampler, None if square else 13, classes, generator)
    step_loss, step_grads = _loss_and_grads(model, forward(model), classes[pixels])
    step_buffers = {k: b.clone() for k, b in model.named_buffers()}
    model.load_state_dict(before)
    windows = sampler(pixels)
    window_loss, window_grads = _loss_and_grads(model, model(windows), classes[pixels])
    assert len(pixels) == 24
    assert_same_step(model, (step_loss, step_grads, step_buffers), (window_loss, window_grads))


def test_a_crop_step_that_forgot_where_its_crop_lies_would_be_caught():
    """The check above can fail: the same sample read at scene coordinates instead of crop ones differs."""
    model = _model("hybridsn").double().train()
    padded, sampler = _scene()
    classes = torch.as_tensor(np.random.default_rng(3).integers(0, CLASSES, SHAPE[0] * SHAPE[1]))
    train = torch.arange(0, SHAPE[0] * SHAPE[1], 2)
    generator = torch.Generator().manual_seed(5)
    batch = scene.scene_batch(train, classes[train], SHAPE, 13, 24, generator)
    assert int(batch.corners[0, 1]) > 0  # the crop moved right of the scene's edge
    x = tiles.cut_tiles(sampler.padded, batch.corners, 13, sampler.margin)
    right = tiles.tile_logits(model, x, batch.tile, batch.row, batch.col, 13)
    torch.testing.assert_close(right, model(sampler(batch.pixels)))
    inside = batch.col + batch.corners[0, 1] < 13  # pixels whose scene column is still inside the crop
    shifted = batch.col[inside] + batch.corners[0, 1]
    wrong = tiles.tile_logits(model, x, batch.tile[inside], batch.row[inside], shifted, 13)
    assert (wrong - right[inside]).abs().max() > 1e-3


@pytest.mark.parametrize("seed", range(5))
def test_the_sample_is_stratified_by_class_without_repeats(seed):
    rng = np.random.default_rng(seed)
    classes = torch.as_tensor(rng.choice(5, 300, p=[0.5, 0.25, 0.15, 0.07, 0.03]))
    chosen = scene.stratified_sample(classes, 64, torch.Generator().manual_seed(seed))
    assert len(chosen) == 64 and len(torch.unique(chosen)) == 64
    counts = torch.bincount(classes, minlength=5).double()
    taken = torch.bincount(classes[chosen], minlength=5).double()
    quota = counts * 64 / 300
    assert ((taken - quota.floor()) >= 0).all() and ((taken - quota.floor()) <= 1).all()  # each class's share
    everything = scene.stratified_sample(classes, 500, torch.Generator().manual_seed(seed))
    assert sorted(everything.tolist()) == list(range(300))  # a sample larger than the pixels takes them all


def test_the_sample_is_fixed_by_the_generator_and_drawn_afresh_each_step():
    classes = torch.as_tensor(np.random.default_rng(0).integers(0, 4, 200))
    generator = torch.Generator().manual_seed(1)
    first, second = (scene.stratified_sample(classes, 40, generator) for _ in range(2))
    assert not torch.equal(first, second)
    again = torch.Generator().manual_seed(1)
    assert torch.equal(scene.stratified_sample(classes, 40, again), first)


@pytest.mark.parametrize("seed", range(5))
def test_a_crop_holds_a_training_pixel_and_every_pixel_it_samples(seed):
    rng = np.random.default_rng(seed)
    shape, side = (61, 23), 17
    train = torch.as_tensor(np.sort(rng.choice(shape[0] * shape[1], 40, replace=False)))
    classes = torch.as_tensor(rng.integers(0, 3, 40))
    batch = scene.scene_batch(train, classes, shape, side, 10, torch.Generator().manual_seed(seed))
    top, left = (int(v) for v in batch.corners[0])
    assert 0 <= top <= shape[0] - side and 0 <= left <= shape[1] - side
    assert 1 <= len(batch.pixels) <= 10
    assert torch.equal(train[batch.index], batch.pixels)
    assert torch.equal(top + batch.row, batch.pixels // shape[1])
    assert torch.equal(left + batch.col, batch.pixels % shape[1])
    assert ((batch.row >= 0) & (batch.row < side) & (batch.col >= 0) & (batch.col < side)).all()
    rows, cols = train // shape[1] - top, train % shape[1] - left
    held = (rows >= 0) & (rows < side) & (cols >= 0) & (cols < side)
    assert len(batch.pixels) == min(10, int(held.sum()))  # the sample is drawn from every pixel the crop holds


def test_an_epoch_of_scene_steps_has_as_many_steps_as_window_batches():
    padded, sampler = _square_scene(torch.float32)
    train = torch.arange(0, SQUARE[0] * SQUARE[1], 3)
    classes = torch.as_tensor(np.random.default_rng(0).integers(0, CLASSES, SQUARE[0] * SQUARE[1]))
    batches = TrainingBatches(TrainerOptions(batch_size=50, batches="scene"), torch.device("cpu"))
    batches.choose_tile_side(_model("hybridsn"), train, sampler)
    assert batches.side == SQUARE[0]  # the whole (small) scene fits in memory
    steps = list(batches.steps(torch.Generator().manual_seed(0), sampler, train, classes[train]))
    assert len(steps) == -(-len(train) // 50)
    assert all(len(pixels) == 50 for _, pixels, _, _ in steps)
    assert not torch.equal(steps[0][1], steps[1][1])


def test_the_crop_side_is_the_largest_whose_step_fits_the_memory_budget():
    model = _model("hybridsn")
    _, sampler = _scene(torch.float32)
    per_position = scene.output_bytes_per_position(model, sampler) * scene.BYTES_PER_OUTPUT_BYTE
    # An independent count: HybridSN's trunk, each 3-D convolution (8, 16, 32 filters of depth 7, 5, 3) and
    # its ReLU, then the 2-D convolution of 64 and its ReLU, float32.
    values = 2 * (8 * (BANDS - 6) + 16 * (BANDS - 10) + 32 * (BANDS - 12)) + 2 * 64
    assert per_position == scene.BYTES_PER_OUTPUT_BYTE * 4 * values
    for side in (5, 11):
        budget = int(per_position * (side + WINDOW - 1) ** 2) + 1
        assert scene.crop_side(model, sampler, budget) == side
    assert scene.crop_side(model, sampler, 10**12) == min(SHAPE)
    assert scene.crop_side(model, sampler, 1) == tiles.MIN_SIDE


def test_a_model_without_a_shared_trunk_is_refused_in_one_sentence():
    with pytest.raises(UserError, match=r"trainer.batches=scene cannot train this model: .* \(or trainer=default"):
        Trainer(epochs=1, batches="scene").check_model(HuSpectralNet(BANDS, CLASSES))
