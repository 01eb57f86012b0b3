"""The trainer's augmentation and regularisation options, each against an independent computation."""

from __future__ import annotations

import json
import signal

import numpy as np
import pytest
import torch
from cli_helpers import run_cli
from conftest import TINY
from synthetic import write_scene_files
from test_selection import _scene, _Tiny
from torch import nn

from hsi.errors import UserError
from hsi.models import HybridSN
from hsi.preprocess import pad_cube
from hsi.train import Trainer, dihedral
from hsi.train.interrupt import TrainingInterrupted
from hsi.train.predict import predict_logits
from hsi.train.trainer import weight_decay_groups


def _numpy_d4(a: np.ndarray) -> list[np.ndarray]:
    """The eight symmetries of a square image, computed with NumPy alone."""
    turns = [np.rot90(a, k, axes=(-2, -1)) for k in range(4)]
    return turns + [np.flip(t, -1) for t in turns]


def test_the_eight_elements_match_numpy_are_distinct_and_invert():
    x = torch.arange(2 * 3 * 4 * 4, dtype=torch.float32).reshape(2, 3, 4, 4)
    expected = _numpy_d4(x.numpy())
    views = [dihedral.apply(x, k) for k in range(dihedral.ORDER)]
    for view, want in zip(views, expected, strict=True):
        np.testing.assert_array_equal(view.numpy(), want)
    assert len({tuple(v.flatten().tolist()) for v in views}) == 8
    for k, view in enumerate(views):
        assert torch.equal(dihedral.invert(view, k), x)


def test_random_views_give_each_window_one_of_its_eight_views_with_all_eight_used():
    x = torch.randn(200, 1, 2, 5, 5)
    out = dihedral.random_views(x, torch.Generator().manual_seed(0))
    used = set()
    for i in range(len(x)):
        matches = [k for k in range(8) if torch.equal(out[i], dihedral.apply(x[i], k))]
        assert len(matches) == 1
        used.add(matches[0])
    assert used == set(range(8))
    again = dihedral.random_views(x, torch.Generator().manual_seed(0))
    assert torch.equal(out, again)  # the generator alone decides
    with pytest.raises(ValueError, match="square"):
        dihedral.random_views(torch.zeros(2, 1, 3, 5, 4), torch.Generator())


@pytest.mark.parametrize("path", ["dense", "windows"])
def test_scene_tta_equals_the_mean_of_each_windows_eight_views(path):
    torch.manual_seed(0)
    model = HybridSN(in_bands=15, window=11, num_classes=4).eval()
    cube = np.random.default_rng(1).normal(size=(9, 12, 15)).astype(np.float32)  # not square: turns swap H and W
    padded = pad_cube(cube, 5, "reflect")
    got = predict_logits(model, padded, 11, path=path, tile_rows=4, tta=True).softmax(-1)
    # independently: every pixel's window, cut with NumPy, under NumPy's eight symmetries
    array = padded.numpy()
    windows = np.stack([array[:, r : r + 11, c : c + 11] for r in range(9) for c in range(12)])[:, None]
    with torch.no_grad():
        probs = [model(torch.from_numpy(np.ascontiguousarray(v))).softmax(1) for v in _numpy_d4(windows)]
    want = torch.stack(probs).mean(0).reshape(9, 12, 4)
    torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-5)
    plain = predict_logits(model, padded, 11, path=path, tile_rows=4).softmax(-1)
    assert not torch.allclose(plain, want, atol=1e-4)  # the views do differ for this network


def test_validation_with_tta_averages_the_views():
    sampler, labels, split = _scene()
    model = _Tiny()
    got = Trainer(epochs=1, tta=True, device="cpu").predict(model, sampler, split.val)
    windows = sampler(split.val)
    with torch.no_grad():
        want = torch.stack([model(dihedral.apply(windows, k)).softmax(1) for k in range(8)]).mean(0)
    torch.testing.assert_close(got, want)


def test_weight_decay_spares_biases_and_norm_scales():
    model = HybridSN(in_bands=15, window=11, num_classes=4)
    decayed, spared = weight_decay_groups(model)
    assert spared["weight_decay"] == 0.0 and "weight_decay" not in decayed
    # independently, by what each parameter is: every bias and every batch-norm parameter is spared
    norms = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.LayerNorm)
    expected = {
        id(p)
        for module in model.modules()
        for name, p in module.named_parameters(recurse=False)
        if name == "bias" or isinstance(module, norms)
    }
    assert {id(p) for p in spared["params"]} == expected
    assert {id(p) for p in decayed["params"]} == {id(p) for p in model.parameters()} - expected


def test_a_decaying_optimiser_gets_the_two_groups_and_a_plain_one_its_parameters():
    sampler, labels, split = _scene()
    seen = []

    def optimiser(weight_decay):
        def factory(params):
            params = list(params)
            seen.append(params)
            return torch.optim.AdamW(params, lr=1e-3, weight_decay=weight_decay)

        return factory

    Trainer(epochs=1, batch_size=8, optimizer=optimiser(0.1), device="cpu").fit(_Tiny(), sampler, labels, split, seed=0)
    assert [g["weight_decay"] for g in seen[-1]] == [0.1, 0.0]  # the groups, after a first plain try
    seen.clear()
    Trainer(epochs=1, batch_size=8, optimizer=optimiser(0.0), device="cpu").fit(_Tiny(), sampler, labels, split, seed=0)
    assert len(seen) == 1 and all(isinstance(p, nn.Parameter) for p in seen[0])


def _fit(epochs=3, **options):
    sampler, labels, split = _scene()
    torch.manual_seed(0)
    model = _Tiny()
    trainer = Trainer(
        epochs=epochs,
        batch_size=64,  # the 40 training pixels in one batch: one step per epoch
        optimizer=lambda p: torch.optim.SGD(p, lr=0.5),
        device="cpu",
        min_val_per_class=1000,  # keep the last epoch: these tests follow the weights, not the selection
        **options,
    )
    trainer.fit(model, sampler, labels, split, seed=0)
    return model


def test_an_ema_with_decay_zero_is_the_plain_weights_and_with_decay_one_the_first_steps():
    plain = _fit()
    for got, want in zip(_fit(ema_decay=0.0).parameters(), plain.parameters(), strict=True):
        assert torch.equal(got, want)
    after_one_step = _fit(epochs=1)
    for got, want in zip(_fit(ema_decay=1.0).parameters(), after_one_step.parameters(), strict=True):
        assert torch.equal(got, want)  # the average starts at the first step's weights and never moves


def test_ema_of_the_weights_matches_the_recursion_by_hand():
    steps = [_fit(epochs=e) for e in (1, 2, 3)]  # the raw weights after each step
    decay = 0.6
    by_hand = [p.detach().clone() for p in steps[0].parameters()]
    for model in steps[1:]:
        by_hand = [decay * a + (1 - decay) * p.detach() for a, p in zip(by_hand, model.parameters(), strict=True)]
    for got, want in zip(_fit(ema_decay=decay).parameters(), by_hand, strict=True):
        torch.testing.assert_close(got, want)


def test_gradient_clipping_bounds_one_sgd_step():
    torch.manual_seed(0)
    start = [p.detach().clone() for p in _Tiny().parameters()]
    moved = _fit(epochs=1, grad_clip=1e-3)
    change = torch.cat([(p.detach() - s).flatten() for p, s in zip(moved.parameters(), start, strict=True)])
    assert float(change.norm()) == pytest.approx(0.5 * 1e-3, rel=1e-3)  # lr x the clipped norm
    free = _fit(epochs=1)
    change = torch.cat([(p.detach() - s).flatten() for p, s in zip(free.parameters(), start, strict=True)])
    assert float(change.norm()) > 0.5 * 1e-2


def test_label_smoothing_reaches_the_loss_and_matches_its_definition():
    trainer = Trainer(epochs=1, label_smoothing=0.2, device="cpu")
    logits = torch.tensor([[2.0, 0.0, -1.0]])
    log_p = logits.log_softmax(1)[0]
    by_hand = -(0.8 * log_p[0] + 0.2 / 3 * log_p.sum())
    torch.testing.assert_close(trainer.loss_fn(logits, torch.tensor([0])), by_hand)


def test_d4_training_draws_views_from_the_batch_order_generator(monkeypatch):
    calls = []
    real = dihedral.random_views
    monkeypatch.setattr(dihedral, "random_views", lambda x, g: calls.append(len(x)) or real(x, g))
    _fit(epochs=2, augment="d4")
    assert calls == [40, 40]
    first, second = _fit(epochs=2, augment="d4"), _fit(epochs=2, augment="d4")
    assert all(torch.equal(a, b) for a, b in zip(first.parameters(), second.parameters(), strict=True))
    assert not all(torch.equal(a, b) for a, b in zip(first.parameters(), _fit(epochs=2).parameters(), strict=True))


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("augment", "mixup", "it must be null or d4"),
        ("tta", "yes", "it must be true or false"),
        ("label_smoothing", 1.0, "0.0 <= x < 1.0"),
        ("ema_decay", 1.5, "0.0 <= x <= 1.0"),
        ("grad_clip", 0, "x > 0"),
        ("grad_clip", -1.0, "x > 0.0"),
    ],
)
def test_bad_option_values_are_one_sentence(option, value, says):
    with pytest.raises(UserError, match=says.replace(".", r"\.").replace("(", r"\(")):
        Trainer(**{option: value})


def test_the_ema_is_saved_for_a_resume_and_restored():
    sampler, labels, split = _scene()
    trainer = Trainer(epochs=2, batch_size=64, ema_decay=0.5, device="cpu")
    model = _Tiny()
    loop = trainer._start(model, labels, split, 0, None)
    loop.ema.update_parameters(model)
    state = trainer._snapshot(loop, 1)
    assert state["ema"] is not None and int(state["ema"]["n_averaged"]) == 1
    fresh = trainer._start(_Tiny(), labels, split, 0, state)
    assert int(fresh.ema.n_averaged) == 1
    for a, b in zip(fresh.ema.module.parameters(), model.parameters(), strict=True):
        assert torch.equal(a, b)


def train_tiny_run(tmp_path, *options: str) -> tuple:
    """A tiny run with maps and ``options``, through the command line; its folder and training record."""
    run_dir = tmp_path / "run"
    overrides = [o for o in TINY if not o.startswith("maps.")]
    result = run_cli(
        "hsi-train", *write_scene_files(tmp_path), *overrides, *options, f"hydra.run.dir={run_dir}", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    return run_dir, json.loads((run_dir / "metrics.json").read_text())["protocol"]["training"]


def test_a_run_with_d4_tta_and_glorot_records_them_and_hsi_map_predicts_as_the_run_did(tmp_path):
    run_dir, training = train_tiny_run(
        tmp_path, "trainer.augment=d4", "trainer.tta=true", "trainer.label_smoothing=0.1", "model.init=glorot"
    )
    assert training["augment"] == "d4" and training["tta"] is True and training["label_smoothing"] == 0.1
    assert training["init"] == "glorot"
    report = (run_dir / "report.md").read_text()
    assert "weights started by Glorot's rule (Keras's default)" in report
    assert "random flips and rotations of each training window" in report and "label smoothing 0.1" in report
    assert "predictions averaged over the 8 flips and rotations" in report
    again = tmp_path / "again"
    result = run_cli("hsi-map", str(run_dir), "--out", str(again), "--precision", "fp32", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    saved = np.load(run_dir / "maps" / "predictions.npz")["probabilities"]
    np.testing.assert_allclose(np.load(again / "predictions.npz")["probabilities"], saved, rtol=1e-5, atol=1e-6)


def test_a_run_with_d4_and_ema_interrupted_and_resumed_ends_as_the_uninterrupted_one():
    sampler, labels, split = _scene()
    options = {"epochs": 3, "batch_size": 16, "augment": "d4", "ema_decay": 0.5, "device": "cpu"}

    def fit(resume_state=None, callback=None):
        torch.manual_seed(0)
        model = _Tiny()
        trainer = Trainer(**options, min_val_per_class=1000)
        trainer.fit(model, sampler, labels, split, seed=0, epoch_callback=callback, resume_state=resume_state)
        return model

    straight = fit()
    with pytest.raises(TrainingInterrupted) as stop:
        fit(callback=lambda epoch, model: epoch == 1 and signal.raise_signal(signal.SIGINT))
    assert stop.value.state["epoch"] == 1 and stop.value.state["ema"] is not None
    resumed = fit(resume_state=stop.value.state)
    for a, b in zip(resumed.parameters(), straight.parameters(), strict=True):
        assert torch.equal(a, b)
