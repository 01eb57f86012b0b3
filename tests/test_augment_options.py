"""Mixup, CutMix and the spectral augmentations: each against an independent computation."""

from __future__ import annotations

import signal

import numpy as np
import pytest
import torch
from omegaconf import OmegaConf
from synthetic import make_scene
from test_recipe_options import train_tiny_run
from test_selection import _scene, _Tiny

from hsi.data.scene import Scene
from hsi.describe import regularisation_words
from hsi.errors import UserError
from hsi.experiment import prepare
from hsi.splits import Split
from hsi.train import Trainer
from hsi.train.interrupt import TrainingInterrupted
from hsi.train.mixing import beta_draw, cut_box, cutmix, mix_batch, mixup
from hsi.train.spectral_jitter import add_noise, scale_brightness


def test_beta_draws_have_the_mean_and_variance_of_beta_alpha_alpha():
    generator = torch.Generator().manual_seed(0)
    alpha = 0.2
    draws = np.array([beta_draw(alpha, generator) for _ in range(4000)])
    assert ((draws >= 0) & (draws <= 1)).all()
    assert draws.mean() == pytest.approx(0.5, abs=0.03)
    assert draws.var() == pytest.approx(1 / (4 * (2 * alpha + 1)), rel=0.06)  # Beta(a, a): 1 / (4 (2a + 1))
    again = torch.Generator().manual_seed(0)
    assert [beta_draw(alpha, again) for _ in range(5)] == list(draws[:5])


def test_mixup_blends_each_window_with_its_partner():
    x = torch.randn(6, 1, 3, 5, 5)
    partner = torch.tensor([3, 0, 5, 1, 2, 4])
    got = mixup(x, 0.3, partner).numpy()
    a = x.numpy()
    np.testing.assert_allclose(got, np.stack([0.3 * a[i] + 0.7 * a[partner[i]] for i in range(6)]), rtol=1e-6)


@pytest.mark.parametrize("lam", [0.1, 0.5, 0.9])
def test_cut_boxes_lie_inside_the_window_and_cover_about_one_minus_lam(lam):
    generator = torch.Generator().manual_seed(1)
    areas = []
    for _ in range(300):
        top, bottom, left, right = cut_box(11, 11, lam, generator)
        assert 0 <= top <= bottom <= 11 and 0 <= left <= right <= 11
        areas.append((bottom - top) * (right - left))
    side = int(11 * np.sqrt(1 - lam)) // 2 * 2  # the unclipped box: half-sides either side of the centre
    assert max(areas) == side**2  # never more than asked, and reached when the box fits
    assert min(areas) < side**2 or side == 0  # clipped at the window's edge


def test_cutmix_pastes_the_partners_box_and_weighs_by_the_pixels_left():
    x = torch.arange(4 * 2 * 6 * 6, dtype=torch.float32).reshape(4, 1, 2, 6, 6)
    partner = torch.tensor([1, 2, 3, 0])
    got, lam = cutmix(x, (1, 4, 2, 6), partner)
    inside = np.zeros((6, 6), dtype=bool)
    inside[1:4, 2:6] = True
    a = x.numpy()
    want = np.where(inside, a[partner.numpy()], a)
    np.testing.assert_array_equal(got.numpy(), want)
    assert lam == pytest.approx(1 - inside.sum() / 36)


def test_a_mixed_batch_is_repeatable_and_its_partner_a_permutation():
    x = torch.randn(16, 1, 3, 7, 7)
    for kind in ("mixup", "cutmix"):
        first = mix_batch(x, kind, 1.0, torch.Generator().manual_seed(3))
        second = mix_batch(x, kind, 1.0, torch.Generator().manual_seed(3))
        assert torch.equal(first[0], second[0]) and torch.equal(first[1], second[1]) and first[2] == second[2]
        assert sorted(first[1].tolist()) == list(range(16)) and 0 <= first[2] <= 1


def _tiny_pca_scene():
    cube, gt = make_scene(height=12, width=12, bands=20)
    scene = Scene("tiny", cube, gt.astype(np.int64), [f"class {k}" for k in range(1, 5)])
    labelled = np.flatnonzero(gt.ravel() > 0)
    split = Split(labelled[::3], labelled[1::3], labelled[2::3])
    cfg = OmegaConf.create(
        {
            "preprocess": {"n_components": 5, "whiten": True, "fit_scope": "all", "window": 5, "padding": "zero"},
            "split_seed": 0,
        }
    )
    return scene, prepare(cfg, scene, split, None)


def test_the_dark_point_makes_brightness_scaling_exact_through_the_pca():
    scene, prepared = _tiny_pca_scene()
    dark, reduced = prepared.inputs.dark, prepared.inputs.reduced
    # independently: the PCA of the spectra themselves scaled by 1.15
    brighter = prepared.pca.transform(scene.cube.astype(np.float64) * 1.15)
    np.testing.assert_allclose(brighter, dark + 1.15 * (reduced - dark), rtol=1e-4, atol=1e-4)
    assert np.abs(dark).max() > 1  # a black spectrum is far from the scene's mean, so zero would be wrong


def test_scale_brightness_gives_each_window_one_factor_within_the_spread():
    scene, prepared = _tiny_pca_scene()
    cube = prepared.inputs.reduced  # (H, W, K)
    windows = torch.from_numpy(np.stack([cube[r : r + 3, c : c + 3].transpose(2, 0, 1) for r, c in [(0, 0), (4, 5)]]))
    windows = windows[:, None]  # (N, 1, K, 3, 3)
    dark = torch.from_numpy(prepared.inputs.dark).float()
    got = scale_brightness(windows, 0.2, torch.Generator().manual_seed(0), dark)
    for i, (r, c) in enumerate([(0, 0), (4, 5)]):
        factor = float(((got[i] - dark.reshape(1, -1, 1, 1)) / (windows[i] - dark.reshape(1, -1, 1, 1))).mean())
        assert 0.8 <= factor <= 1.2 and abs(factor - 1) > 1e-4
        raw = scene.cube[r : r + 3, c : c + 3].astype(np.float64) * factor
        want = prepared.pca.transform(raw).transpose(2, 0, 1)  # the window of spectra scaled by that factor
        np.testing.assert_allclose(got[i, 0].numpy(), want, rtol=1e-3, atol=1e-3)


def test_noise_has_the_asked_spread_and_comes_from_the_generator():
    x = torch.zeros(50, 1, 10, 11, 11)
    noisy = add_noise(x, 0.1, torch.Generator().manual_seed(0))
    assert float(noisy.mean()) == pytest.approx(0.0, abs=2e-3)
    assert float(noisy.std()) == pytest.approx(0.1, rel=0.01)
    assert torch.equal(noisy, add_noise(x, 0.1, torch.Generator().manual_seed(0)))


def _one_sgd_step(start, **options) -> list[torch.Tensor]:
    """The tiny model's weights after one SGD step (lr 0.5) over all 40 training windows."""
    sampler, labels, split = _scene()
    model = _Tiny()
    with torch.no_grad():
        for p, s in zip(model.parameters(), start, strict=True):
            p.copy_(s)
    sgd = lambda p: torch.optim.SGD(p, lr=0.5)  # noqa: E731
    Trainer(epochs=1, batch_size=64, optimizer=sgd, device="cpu", **options).fit(model, sampler, labels, split, seed=0)
    return [p.detach() for p in model.parameters()]


@pytest.mark.parametrize("kind", ["mixup", "cutmix"])
def test_a_mixed_step_follows_the_blended_cross_entropy_by_hand(kind):
    sampler, labels, split = _scene()
    torch.manual_seed(0)
    start = [p.detach().clone() for p in _Tiny().parameters()]
    # by hand: the batch order and the mix drawn as the trainer draws them, the loss written out
    generator = torch.Generator().manual_seed(0)
    order = torch.as_tensor(split.train)[torch.randperm(len(split.train), generator=generator)]
    x, partner, lam = mix_batch(sampler(order), kind, 1.0, generator)
    y = torch.as_tensor(labels)[order]
    weight, bias = (s.clone().requires_grad_() for s in start)
    log_p = (x.flatten(1) @ weight.T + bias).log_softmax(1)
    rows = torch.arange(len(y))
    loss = -(lam * log_p[rows, y] + (1 - lam) * log_p[rows, y[partner]]).mean()
    loss.backward()
    got = _one_sgd_step(start, **{kind: 1.0})
    torch.testing.assert_close(got[0], weight.detach() - 0.5 * weight.grad)
    torch.testing.assert_close(got[1], bias.detach() - 0.5 * bias.grad)
    assert not torch.allclose(got[0], _one_sgd_step(start)[0])  # the mix changed the step


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"mixup": 0}, "trainer.mixup is 0; it must be a number x > 0"),
        ({"cutmix": -1.0}, "trainer.cutmix is -1.0"),
        ({"mixup": 0.2, "cutmix": 1.0}, "both set; set one of them"),
        ({"spectral_noise": "a"}, "trainer.spectral_noise is 'a'"),
        ({"spectral_scale": 1.0}, r"0\.0 <= x < 1\.0"),
    ],
)
def test_bad_augment_values_are_one_sentence(options, says):
    with pytest.raises(UserError, match=says):
        Trainer(**options)


def test_a_run_with_every_augmentation_interrupted_and_resumed_ends_as_the_uninterrupted_one():
    sampler, labels, split = _scene()
    options = {"epochs": 3, "batch_size": 16, "cutmix": 1.0, "spectral_noise": 0.1, "spectral_scale": 0.2}

    def fit(resume_state=None, callback=None):
        torch.manual_seed(0)
        model = _Tiny()
        trainer = Trainer(**options, device="cpu", min_val_per_class=1000)
        dark = np.array([-1.0, 0.5, 2.0])
        trainer.fit(model, sampler, labels, split, 0, callback, resume_state=resume_state, dark=dark)
        return model

    straight = fit()
    with pytest.raises(TrainingInterrupted) as stop:
        fit(callback=lambda epoch, model: epoch == 1 and signal.raise_signal(signal.SIGINT))
    resumed = fit(resume_state=stop.value.state)
    for a, b in zip(resumed.parameters(), straight.parameters(), strict=True):
        assert torch.equal(a, b)


def test_the_words_name_each_augmentation():
    words = regularisation_words({"mixup": 0.2, "spectral_scale": 0.1, "spectral_noise": 0.05})
    assert "mixup of window pairs (alpha 0.2)" in words
    assert "brightness of each training window scaled by up to 10%" in words
    assert "Gaussian noise (SD 0.05) on each training window" in words
    assert "CutMix of window pairs (alpha 1)" in regularisation_words({"cutmix": 1.0})


def test_a_run_with_cutmix_and_spectral_jitter_records_them_in_metrics_and_report(tmp_path):
    options = ("trainer.cutmix=1.0", "trainer.spectral_noise=0.05", "trainer.spectral_scale=0.1")
    run_dir, training = train_tiny_run(tmp_path, *options)
    assert training["cutmix"] == 1.0 and training["mixup"] is None
    assert training["spectral_noise"] == 0.05 and training["spectral_scale"] == 0.1
    report = (run_dir / "report.md").read_text()
    assert "CutMix of window pairs (alpha 1)" in report and "scaled by up to 10%" in report
