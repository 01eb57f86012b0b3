"""Tile batches: the same loss and gradients as window batches, every pixel once an epoch, exact resume."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest
import torch
from hydra import compose, initialize_config_module
from hydra.utils import instantiate
from torch import nn

from hsi.errors import UserError
from hsi.models.card import network_config_names
from hsi.patches import PatchSampler
from hsi.preprocess import pad_cube
from hsi.splits import Split
from hsi.train import Trainer, dihedral, tiles
from hsi.train.batches import TrainingBatches
from hsi.train.interrupt import TrainingInterrupted
from hsi.train.options import TrainerOptions
from hsi.train.predict import window_logits

WINDOW, BANDS, CLASSES, SHAPE = 11, 15, 5, (19, 23)


def _model(name: str, *overrides: str, dropout: float = 0.0) -> nn.Module:
    with initialize_config_module("hsi.configs", version_base="1.3"):
        cfg = compose("train", overrides=[f"model={name}", f"model.dropout={dropout}", *overrides])
    torch.manual_seed(0)
    return instantiate(cfg.model, in_bands=BANDS, window=WINDOW, num_classes=CLASSES)


# Every model config, and the attention placements the configs do not use (only the 3-D stack is shared
# when attention pools over the window before the 2-D convolution).
CONFIGS = [(n, ()) for n in network_config_names()] + [
    ("hybridsn_se", ("model.attention_position=after_3d",)),
    ("hybridsn_cbam", ("model.attention_position=both",)),
]
TILEABLE = [(n, o) for n, o in CONFIGS if tiles.obstacle(_model(n, *o)) is None]


def _scene(dtype=torch.float64):
    cube = np.random.default_rng(1).normal(size=(*SHAPE, BANDS))
    padded = pad_cube(cube, WINDOW // 2, "zero").to(dtype)
    return padded, PatchSampler(padded, WINDOW, SHAPE[1])


def assert_same_step(model, shared, windows):
    """A shared step's (loss, gradients, buffers) equal the window step's (loss, gradients) and the model's
    buffers after it, in float64."""
    loss, grads, buffers = shared
    torch.testing.assert_close(loss, windows[0], rtol=1e-12, atol=1e-12)
    for key, grad in windows[1].items():
        torch.testing.assert_close(grads[key], grad, rtol=1e-9, atol=1e-12, msg=key)
    for key, buffer in model.named_buffers():
        torch.testing.assert_close(buffers[key], buffer, rtol=1e-12, atol=1e-12, msg=key)


def _loss_and_grads(model, logits, targets):
    model.zero_grad()
    loss = nn.functional.cross_entropy(logits, targets)
    loss.backward()
    return loss.detach(), {k: p.grad.clone() for k, p in model.named_parameters()}


def test_every_network_config_trains_on_tiles_the_batch_norm_ones_included():
    assert TILEABLE == CONFIGS
    assert {"hybridsn_r21d", "hybridsn_sep3d"} <= {n for n, _ in TILEABLE}  # norm3d=batch


@pytest.mark.parametrize("views", [False, True], ids=["plain", "d4"])
@pytest.mark.parametrize("name, overrides", TILEABLE, ids=[n + "".join(o) for n, o in TILEABLE])
def test_a_tile_step_has_the_loss_and_gradients_of_the_window_step(name, overrides, views):
    """float64, training mode (dropout 0): the shared trunk is the same function as the windows' network,
    batch norm's statistics and running averages included."""
    model = _model(name, *overrides).double().train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    padded, sampler = _scene()
    pixels = torch.as_tensor(np.random.default_rng(2).choice(SHAPE[0] * SHAPE[1], 40, replace=False))
    targets = torch.as_tensor(np.random.default_rng(3).integers(0, CLASSES, SHAPE[0] * SHAPE[1]))
    generator = torch.Generator().manual_seed(4)
    batch = tiles.cover(pixels, SHAPE, 6)
    x = tiles.cut_tiles(padded, batch.corners, 6, WINDOW // 2)
    row, col, windows = batch.row, batch.col, sampler(batch.pixels)
    if views:
        turns = torch.randint(0, dihedral.ORDER, (len(x),), generator=generator)
        x, row, col = tiles.turn(x, batch, turns, 6)
        windows = torch.stack([dihedral.apply(w, int(turns[t])) for w, t in zip(windows, batch.tile, strict=True)])
    tile_loss, tile_grads = _loss_and_grads(
        model, tiles.tile_logits(model, x, batch.tile, row, col, 6), targets[batch.pixels]
    )
    tile_buffers = {k: b.clone() for k, b in model.named_buffers()}
    model.load_state_dict(before)  # the window step starts from the same running statistics
    window_loss, window_grads = _loss_and_grads(model, model(windows), targets[batch.pixels])
    assert len(batch.corners) > 4  # several tiles, so pixels of different tiles share a batch
    assert_same_step(model, (tile_loss, tile_grads, tile_buffers), (window_loss, window_grads))


def test_batch_norm_over_tiles_without_counting_windows_is_not_the_window_step():
    """The check above can fail: plain statistics over the tiles' maps give another loss."""
    model = _model("hybridsn_sep3d").double().train()
    padded, sampler = _scene()
    pixels = torch.as_tensor(np.random.default_rng(2).choice(SHAPE[0] * SHAPE[1], 40, replace=False))
    batch = tiles.cover(pixels, SHAPE, 6)
    x = tiles.cut_tiles(padded, batch.corners, 6, WINDOW // 2)
    plain = model.head(tiles.footprints(model.trunk(x), batch.tile, batch.row, batch.col, model.trunk_side()))
    windows = model(sampler(batch.pixels))
    assert (plain - windows).abs().max() > 1e-3
    torch.testing.assert_close(tiles.tile_logits(model, x, batch.tile, batch.row, batch.col, 6), windows)


def test_a_model_with_plain_batch_norm_in_its_trunk_is_refused_in_one_sentence():
    model = _model("hybridsn")
    first = model.spectral_spatial[0]
    model.spectral_spatial[0] = nn.Sequential(first, nn.BatchNorm3d(first.out_channels))
    with pytest.raises(UserError, match="batch norm .* window by window with trainer.batches=windows"):
        Trainer(epochs=1, batches="tiles").check_model(model)


@pytest.mark.parametrize("seed", range(5))
def test_the_tiles_of_a_batch_hold_each_of_its_pixels_in_order(seed):
    rng = np.random.default_rng(seed)
    shape, side = (37, 29), 7
    pixels = torch.as_tensor(rng.choice(shape[0] * shape[1], 60, replace=False))
    batch = tiles.cover(pixels, shape, side)
    assert torch.equal(batch.pixels, pixels) and torch.equal(batch.index, torch.arange(60))
    assert ((batch.row >= 0) & (batch.row < side) & (batch.col >= 0) & (batch.col < side)).all()
    top, left = batch.corners[batch.tile, 0], batch.corners[batch.tile, 1]
    assert torch.equal(top + batch.row, pixels // shape[1]) and torch.equal(left + batch.col, pixels % shape[1])
    assert (batch.corners >= 0).all() and (batch.corners[:, 0] <= shape[0] - side).all()
    assert (batch.corners[:, 1] <= shape[1] - side).all()
    assert len(batch.corners) == len(torch.unique(batch.tile))  # no tile without a pixel
    assert len(batch.corners) <= len({(int(p) // shape[1] // side, int(p) % shape[1] // side) for p in pixels})


def test_an_epoch_of_tiles_draws_the_same_batches_as_an_epoch_of_windows():
    """So the two batchings train on the same pixels in the same steps, and only the arithmetic differs."""
    padded, sampler = _scene(torch.float32)
    train = torch.arange(0, SHAPE[0] * SHAPE[1], 5)
    by_tiles = TrainingBatches(TrainerOptions(batch_size=16, batches="tiles", tile_side=6), torch.device("cpu"))
    by_tiles.side = 6
    by_windows = TrainingBatches(TrainerOptions(batch_size=16), torch.device("cpu"))
    tile_steps = by_tiles.steps(torch.Generator().manual_seed(3), sampler, train)
    window_steps = by_windows.steps(torch.Generator().manual_seed(3), sampler, train)
    pairs = list(zip(tile_steps, window_steps, strict=True))
    assert len(pairs) == -(-len(train) // 16)
    for (_, tile_pixels, _, _), (_, window_pixels, _, _) in pairs:
        assert torch.equal(tile_pixels, window_pixels)
    assert sorted(torch.cat([p[0][1] for p in pairs]).tolist()) == train.tolist()  # every pixel once


@pytest.mark.parametrize("seed", range(5))
def test_an_epoch_of_grid_batches_holds_every_pixel_once_inside_its_tile(seed):
    rng = np.random.default_rng(seed)
    shape, side, steps = (37, 29), 7, 6
    pixels = torch.as_tensor(rng.choice(shape[0] * shape[1], 150, replace=False))
    batches = tiles.grid_batches(pixels, shape, side, steps, torch.Generator().manual_seed(seed))
    assert 1 <= len(batches) <= steps
    assert sorted(torch.cat([b.pixels for b in batches]).tolist()) == sorted(pixels.tolist())
    for b in batches:
        assert torch.equal(pixels[b.index], b.pixels)
        assert ((b.row >= 0) & (b.row < side) & (b.col >= 0) & (b.col < side)).all()
        top, left = b.corners[b.tile, 0], b.corners[b.tile, 1]
        assert torch.equal(top + b.row, b.pixels // shape[1]) and torch.equal(left + b.col, b.pixels % shape[1])
        assert (b.corners >= 0).all() and (b.corners[:, 0] <= shape[0] - side).all()
        assert (b.corners[:, 1] <= shape[1] - side).all()
    assert max(len(b.pixels) for b in batches) <= 3 * len(pixels) / steps  # about equal steps, not one huge one


def test_the_grid_moves_from_epoch_to_epoch():
    pixels = torch.arange(0, 400, 3)
    generator = torch.Generator().manual_seed(0)
    corners = {tuple(tiles.grid_batches(pixels, (20, 20), 6, 2, generator)[0].corners[0].tolist()) for _ in range(8)}
    assert len(corners) > 1


def test_auto_side_is_the_cheapest_for_the_batch_size():
    shape, window = (145, 145), 25
    pixels = torch.as_tensor(np.random.default_rng(0).choice(145 * 145, 1025, replace=False))
    few, many = tiles.auto_side(pixels, shape, 8, window), tiles.auto_side(pixels, shape, 1025, window)
    assert tiles.MIN_SIDE <= few < many <= 145  # sparse batches: small tiles; the whole set: large ones

    def cost(side, batch):  # counted directly: the distinct tiles of the grid that the batch touches
        touched = {(int(p) // 145 // side, int(p) % 145 // side) for p in batch}
        return tiles.step_cost(len(touched), side, window)

    assert cost(many, pixels) <= min(cost(s, pixels) for s in (8, 16, 36, 64, 96, 145))


@pytest.mark.parametrize("tta", [False, True])
@pytest.mark.parametrize("name, overrides", [TILEABLE[0], ("hybridsn_se", ("model.attention_position=after_3d",))])
def test_prediction_through_tiles_equals_prediction_window_by_window(name, overrides, tta):
    model = _model(name, *overrides, dropout=0.4).eval()
    padded, sampler = _scene(torch.float32)
    pixels = torch.as_tensor(np.random.default_rng(5).choice(SHAPE[0] * SHAPE[1], 60, replace=False))
    expected = window_logits(model, sampler, pixels, 16, "fp32", torch.device("cpu"), tta=tta)
    got = tiles.pixel_logits(model, sampler, pixels, 5, pixels_per_pass=16, tta=tta)
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-4)


def _fit(trainer: Trainer, seed=0, name="hybridsn", **kwargs):
    padded, sampler = _scene(torch.float32)
    labels = np.random.default_rng(6).integers(0, CLASSES, SHAPE[0] * SHAPE[1])
    order = np.random.default_rng(7).permutation(SHAPE[0] * SHAPE[1])
    split = Split(order[:90], order[90:150], order[150:])
    model = _model(name, dropout=0.4)
    return trainer.fit(model, sampler, labels, split, seed=seed, **kwargs), trainer


def _tile_trainer(**kwargs) -> Trainer:
    options = {"epochs": 4, "batch_size": 16, "batches": "tiles", "precision": "fp32", "augment": "d4"}
    return Trainer(**{**options, **kwargs})


@pytest.mark.parametrize("batches", ["tiles", "grid", "scene"])
def test_an_interrupted_tile_run_resumed_ends_like_the_uninterrupted_one(batches):
    torch.use_deterministic_algorithms(True)
    try:
        torch.manual_seed(0)
        straight, _ = _fit(_tile_trainer(spectral_scale=0.1, batches=batches))

        def stop_after_epoch_2(epoch, model):
            if epoch == 2:
                os.kill(os.getpid(), signal.SIGTERM)  # caught by the trainer: stop after this epoch

        torch.manual_seed(0)
        with pytest.raises(TrainingInterrupted) as stopped:
            _fit(_tile_trainer(spectral_scale=0.1, batches=batches), epoch_callback=stop_after_epoch_2)
        assert stopped.value.state["epoch"] == 2
        torch.manual_seed(123)  # the resumed run must not depend on the process's state
        resumed, trainer = _fit(_tile_trainer(spectral_scale=0.1, batches=batches), resume_state=stopped.value.state)
    finally:
        torch.use_deterministic_algorithms(False)
    assert [h["epoch"] for h in trainer.history] == [1, 2, 3, 4]
    for key, value in straight.state_dict().items():
        assert torch.equal(resumed.state_dict()[key], value), key


@pytest.mark.parametrize("name", ["hybridsn", "hybridsn_sep3d"])
@pytest.mark.parametrize("batches", ["tiles", "grid", "scene"])
def test_a_tile_run_trains_validates_and_records_its_side(batches, name):
    model, trainer = _fit(_tile_trainer(epochs=3, augment=None, batches=batches), name=name)
    assert trainer.tile_side_used is not None and tiles.MIN_SIDE <= trainer.tile_side_used <= min(SHAPE)
    losses = [h["train_loss"] for h in trainer.history]
    assert all(np.isfinite(losses)) and all(h["val_oa"] is not None for h in trainer.history)
    for norm in (m for m in model.modules() if isinstance(m, nn.BatchNorm3d)):  # the running statistics moved
        assert norm.num_batches_tracked > 0 and not torch.equal(norm.running_var, torch.ones(len(norm.running_var)))


@pytest.mark.parametrize(
    "options, message",
    [
        ({"batches": "pixels"}, "trainer.batches is 'pixels'; it must be windows"),
        ({"batches": "tiles", "mixup": 0.2}, "trainer.mixup blends whole windows"),
        ({"batches": "grid", "cutmix": 1.0}, "trainer.cutmix blends whole windows"),
        ({"batches": "scene", "mixup": 0.2}, "trainer.mixup blends whole windows, which trainer.batches=scene"),
        ({"batches": "tiles", "tile_side": 2}, "trainer.tile_side is 2; it must be a whole number of at least 4"),
    ],
)
def test_bad_batch_settings_are_one_sentence(options, message):
    with pytest.raises(UserError, match=message.replace(".", r"\.").replace("(", r"\(")):
        Trainer(epochs=1, **options)


def test_a_tile_side_larger_than_the_scene_is_refused():
    with pytest.raises(UserError, match="larger than the scene"):
        _fit(_tile_trainer(tile_side=40))


def test_the_cost_against_windows_counts_the_input_pixels_both_read():
    block = torch.as_tensor([r * 100 + c for r in range(10) for c in range(10)])  # a 10x10 block of a 100x100 scene
    # one lone tile of 10 + 4 pixels a side (counted twice), against 100 windows of 5 x 5
    assert tiles.cost_against_windows(block, (100, 100), 10, 100, 5) == pytest.approx(2 * 14**2 / (100 * 25))
    spread = torch.as_tensor([r * 100 + c for r in range(0, 100, 20) for c in range(0, 100, 20)])  # 25 pixels
    # each pixel alone in its 20-pixel tile: 25 tiles of 24 x 24 against 25 windows of 5 x 5
    assert tiles.cost_against_windows(spread, (100, 100), 20, 25, 5) == pytest.approx(24**2 / 25)


def test_tiles_that_cost_more_than_windows_say_so(caplog):
    with caplog.at_level("WARNING", logger="hsi.train.trainer"):
        _fit(_tile_trainer(epochs=1, augment=None, batch_size=4))  # 4 pixels spread over the scene: 1.47x
    assert "read 1.5x the input of its windows here, so expect it to be slower" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="hsi.train.trainer"):
        _fit(_tile_trainer(epochs=1, augment=None, batch_size=16))  # 0.87x: nothing to say
    assert "expect it to be slower" not in caplog.text
