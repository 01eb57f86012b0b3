"""Sweep aggregation on fixture run folders whose answers are known by hand."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import yaml
from cli_helpers import run_cli, run_subprocess
from conftest import TINY
from scipy import stats

from hsi.sweep import collect_runs, summarise_sweep
from hsi.sweep.stats import describe, holm, variance_components

CLASSES = ["a", "b"]


def _write_run(folder, overrides, oa=None, failed=None, seed_config=None):
    hydra = folder / ".hydra"
    hydra.mkdir(parents=True)
    (hydra / "overrides.yaml").write_text(yaml.safe_dump(overrides))
    config = {"seed": 0, "split_seed": "${seed}", "init_seed": "${seed}", **(seed_config or {})}
    (hydra / "config.yaml").write_text(yaml.safe_dump(config))
    values = dict(o.split("=") for o in overrides)
    split_seed = int(values.get("split_seed", values.get("seed", 0)))
    init_seed = int(values.get("init_seed", values.get("seed", 0)))
    if oa is not None:
        metrics = {
            "overall_accuracy": oa,
            "average_accuracy": oa - 0.01,
            "kappa": oa - 0.02,
            "train_seconds": 10.0,
            "class_names": CLASSES,
            "per_class": [{"name": "a", "accuracy": oa, "support": 5}, {"name": "b", "accuracy": 1.0, "support": 5}],
            "protocol": {"split_seed": split_seed, "init_seed": init_seed},
        }
        (folder / "metrics.json").write_text(json.dumps(metrics))
    if failed:
        (folder / "failed.json").write_text(json.dumps({"error": failed}))


def test_describe_matches_a_hand_computed_t_interval():
    values = [0.90, 0.92, 0.97]
    d = describe(values)
    mean = sum(values) / 3
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / 2)
    half = stats.t.ppf(0.975, 2) * std / math.sqrt(3)  # t(0.975, 2 dof) = 4.303
    assert d["mean"] == pytest.approx(mean) and d["std"] == pytest.approx(std)
    assert d["ci_low"] == pytest.approx(mean - half) and d["ci_high"] == pytest.approx(mean + half)
    assert stats.t.ppf(0.975, 2) == pytest.approx(4.3027, abs=1e-4)
    assert (d["min"], d["max"]) == (0.90, 0.97)


def test_a_bounded_interval_stays_inside_0_1_and_two_runs_give_none():
    values = [0.90, 0.99, 0.995]
    d = describe(values, bounded=True)
    z = [math.log(v / (1 - v)) for v in values]  # the logit scale, by hand
    zm = sum(z) / 3
    zs = math.sqrt(sum((v - zm) ** 2 for v in z) / 2)
    half = stats.t.ppf(0.975, 2) * zs / math.sqrt(3)
    expit = lambda v: 1 / (1 + math.exp(-v))  # noqa: E731
    assert d["ci_low"] == pytest.approx(expit(zm - half)) and d["ci_high"] == pytest.approx(expit(zm + half))
    assert 0 < d["ci_low"] < d["ci_high"] < 1
    assert describe(values)["ci_high"] > 1  # the plain t interval runs past 100%
    two = describe([0.5, 0.9], bounded=True)
    assert math.isnan(two["ci_low"]) and math.isnan(two["ci_high"]) and two["std"] > 0


def _designed_table():
    """OA in points: split effects -2/0/+2, init effects -1/+1 within each split, replicates -0.5/+0.5.

    By hand (a = 3 splits, b = 2 inits, r = 2 replicates): SS_split = b r sum(alpha^2) = 4 * 8 = 32
    on 2 df, MS 16; SS_init = r sum(beta^2) = 2 * 6 = 12 on a(b - 1) = 3 df, MS 4; SS_noise =
    12 * 0.25 = 3 on ab(r - 1) = 6 df, MS 0.5. So s2_split = (16 - 4) / 4 = 3, s2_init =
    (4 - 0.5) / 2 = 1.75, s2_noise = 0.5; F_split = 16 / 4 on (2, 3) df, F_init = 4 / 0.5 on (3, 6).
    """
    alpha = np.array([-2.0, 0.0, 2.0])
    beta = np.array([[-1.0, 1.0], [1.0, -1.0], [-1.0, 1.0]])  # init seeds are not shared across splits
    gamma = np.array([-0.5, 0.5])
    return 90 + alpha[:, None, None] + beta[:, :, None] + gamma[None, None, :]


def test_nested_variance_components_match_a_hand_computation():
    study = variance_components(_designed_table())
    assert study["grid_shape"] == [3, 2, 2] and study["design"].startswith("init nested within split")
    assert study["mean_squares"] == pytest.approx({"split": 16.0, "init": 4.0, "noise": 0.5})
    assert study["variances"] == pytest.approx({"split": 3.0, "init": 1.75, "noise": 0.5})
    assert study["shares"]["split"] == pytest.approx(3 / 5.25)
    assert study["f_tests"]["split"]["F"] == pytest.approx(4.0) and study["f_tests"]["split"]["df"] == [2, 3]
    assert study["f_tests"]["split"]["p_value"] == pytest.approx(stats.f.sf(4.0, 2, 3))
    assert study["f_tests"]["init"]["F"] == pytest.approx(8.0) and study["f_tests"]["init"]["df"] == [3, 6]
    low, high = study["intervals"]["noise"]  # exact chi-square interval of MS_noise on 6 df
    assert low == pytest.approx(6 * 0.5 / stats.chi2.ppf(0.975, 6)) and high == pytest.approx(
        3 / stats.chi2.ppf(0.025, 6)
    )


def test_one_run_per_cell_merges_initialisation_and_noise():
    study = variance_components(_designed_table()[:, :, 0])
    # MS_split = b sum(alpha^2) / 2 = 8, MS_init = sum(beta^2) / 3 = 2
    assert study["variances"] == pytest.approx({"split": 3.0, "init": 2.0})
    assert study["init_includes_noise"] and "init" not in study["f_tests"]


@pytest.mark.slow  # a simulation of a few thousand designs
def test_mls_intervals_keep_their_coverage_on_a_small_design():
    """Simulated 3 x 3 x 2 designs with known components: the 95% intervals cover about 95% of the time."""
    rng = np.random.default_rng(1)
    truth = {"split": 4.0, "init": 1.0, "noise": 0.5}
    covered = {k: 0 for k in truth}
    n = 1500
    for _ in range(n):
        y = rng.normal(0, 2.0, (3, 1, 1)) + rng.normal(0, 1.0, (3, 3, 1)) + rng.normal(0, math.sqrt(0.5), (3, 3, 2))
        intervals = variance_components(y)["intervals"]
        for k, value in truth.items():
            covered[k] += intervals[k][0] <= value <= intervals[k][1]
    for k in truth:
        assert 0.92 <= covered[k] / n <= 0.98, (k, covered[k] / n)


def test_a_crossed_reading_of_a_nested_design_is_not_what_the_study_does():
    """Init seed j under split i is another draw than under split i'; equal init labels carry no shared effect."""
    table = _designed_table()[:, :, 0]
    shuffled = table[:, ::-1]  # relabel the inits within each split: the nested analysis cannot change
    assert variance_components(shuffled)["variances"] == pytest.approx(variance_components(table)["variances"])


@pytest.fixture
def sweep(tmp_path):
    split_effect, init_effect = [0.0, 0.02, 0.04], [0.0, 0.01, 0.02]
    job = 0
    for model in ("hybridsn", "hybridsn_se"):
        for s in range(3):
            for i in range(3):
                oa = 0.9 + split_effect[s] + init_effect[i] + (0.005 if model == "hybridsn_se" else 0)
                _write_run(tmp_path / str(job), [f"model={model}", f"split_seed={s}", f"init_seed={i}"], oa)
                job += 1
    _write_run(tmp_path / str(job), ["model=hybridsn", "split_seed=9", "init_seed=9"], failed="Class 9 too small")
    _write_run(tmp_path / str(job + 1), ["model=hybridsn", "split_seed=8", "init_seed=8"])  # killed: nothing written
    return tmp_path


def test_runs_are_grouped_by_everything_but_the_seeds(sweep):
    runs = collect_runs(sweep)
    assert {r.group for r in runs} == {"model=hybridsn", "model=hybridsn_se"}
    assert sorted(r.status for r in runs).count("finished") == 18


def test_summary_files_numbers_failures_and_comparisons(sweep):
    summary = summarise_sweep(sweep)
    for name in ("summary.json", "summary.csv", "summary.md", "summary.png"):
        assert (sweep / name).is_file()
    base = summary["groups"]["model=hybridsn"]
    assert base["OA"]["count"] == 9  # the failed and the unfinished run are not averaged in
    assert base["OA"]["mean"] == pytest.approx(0.93)
    # nested: MS_split = 3 * 8e-4 / 2 = 1.2e-3, MS_init = 3 * 2e-4 / 6 = 1e-4 -> s2 3.667e-4 and 1e-4
    assert base["variance_study"]["variances"]["split"] == pytest.approx(1.1e-3 / 3)
    assert base["variance_study"]["shares"]["split"] == pytest.approx(1.1 / 1.4)
    statuses = {r["status"]: r for r in summary["not_finished"]}
    assert statuses["failed"]["error"] == "Class 9 too small" and "unfinished" in statuses
    (comparison,) = summary["comparisons"]
    assert comparison["pairs"] == 9 and comparison["mean_difference"] == pytest.approx(0.005)
    assert comparison["aa_common_classes"] == 2 and comparison["aa"]["mean_difference"] == pytest.approx(0.0025)
    # the OA differences are all equal here (no t-test: p NaN), so the page holds one test, the AA one,
    # whose Holm-adjusted p is its own; NaN stays NaN
    assert np.isnan(comparison["p_value"]) and np.isnan(comparison["p_holm"])
    assert comparison["aa"]["p_holm"] == pytest.approx(comparison["aa"]["p_value"])
    md = (sweep / "summary.md").read_text()
    assert "79% of the run-to-run variance of OA comes from the split of training pixels" in md
    assert "21% from the initialisation and batch order (with kernel noise: one run per cell)" in md
    assert "NaN" not in (sweep / "summary.json").read_text()
    assert "Class 9 too small" in md and "| `model=hybridsn` | `model=hybridsn_se` | 9 | +0.50 |" in md
    assert json.loads((sweep / "summary.json").read_text())["groups"]["model=hybridsn"]["OA"]["count"] == 9
    rows = (sweep / "summary.csv").read_text().splitlines()
    assert rows[0].startswith("group,count,OA_mean") and len(rows) == 3


def test_sweep_report_command_and_its_error(sweep, tmp_path):
    result = run_cli("hsi-sweep-report", str(sweep), cwd=tmp_path)
    assert result.returncode == 0 and "Sweep summary: 18 of 20 runs finished" in result.stdout
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_cli("hsi-sweep-report", str(empty), cwd=tmp_path)
    assert result.returncode == 2 and "holds no run folders" in result.stderr


def test_a_real_multirun_ends_with_a_summary(scene_files, tmp_path):
    sweep_dir = tmp_path / "sweep"
    result = run_cli(
        "hsi-train",
        "-m",
        *scene_files["overrides"],
        *TINY,
        "init_seed=0,1",
        f"hydra.sweep.dir={sweep_dir}",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads((sweep_dir / "summary.json").read_text())
    assert summary["runs"] == {"total": 2, "finished": 2}
    (group,) = summary["groups"]
    assert "init_seed" not in group and summary["groups"][group]["OA"]["count"] == 2
    assert (sweep_dir / "summary.png").is_file()
    (ensemble,) = summary["ensembles"]  # two members on one split, but no maps saved to average
    assert ensemble["members"] == 2 and "saved no maps" in ensemble["note"]


def test_members_sharing_a_split_are_averaged_into_an_ensemble(scene_files, tmp_path):
    sweep_dir = tmp_path / "sweep"
    args = [*scene_files["overrides"], *TINY, "maps.enabled=true", "init_seed=0,1,2", f"hydra.sweep.dir={sweep_dir}"]
    assert run_cli("hsi-train", "-m", *args, cwd=tmp_path).returncode == 0
    summary = json.loads((sweep_dir / "summary.json").read_text())
    (ensemble,) = summary["ensembles"]
    members = sorted(p.parent.parent for p in sweep_dir.glob("*/maps/predictions.npz"))
    mean = np.mean([np.load(m / "maps" / "predictions.npz")["probabilities"] for m in members], axis=0)
    test = np.load(members[0] / "split.npz")["test"]
    truth = scene_files["gt"][test].astype(int) - 1
    assert ensemble["members"] == 3 and ensemble["test_pixels"] == int(test.sum())
    assert ensemble["overall_accuracy"] == pytest.approx(float((mean[test].argmax(-1) == truth).mean()))
    assert len(ensemble["members_overall_accuracy"]) == 3
    assert "## Ensembles" in (sweep_dir / "summary.md").read_text()
    # the sweep folder stands where a run folder does: hsi-map averages the members' probabilities again
    maps = tmp_path / "ensemble-maps"
    result = run_cli("hsi-map", str(sweep_dir), "--out", str(maps), "--precision", "fp32", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "maps of " in result.stderr and "path" not in result.stderr  # no words of the code
    again = np.load(maps / "predictions.npz")
    np.testing.assert_allclose(again["probabilities"], mean, atol=1e-5)
    assert (again["labels"] == mean.argmax(-1) + 1).mean() > 0.999  # argmax of the same mean (ties aside)
    np.save(tmp_path / "scene.npy", scene_files["cube"])
    out = tmp_path / "predicted.tif"
    result = run_cli("hsi-predict", str(sweep_dir), str(tmp_path / "scene.npy"), "--out", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert out.is_file() and (tmp_path / "predicted-confidence.tif").is_file()


def test_a_failing_job_does_not_stop_the_sweep_and_is_listed(scene_files, tmp_path):
    sweep_dir = tmp_path / "sweep"
    result = run_cli(
        "hsi-train",
        "-m",
        *scene_files["overrides"],
        *TINY,
        "split.train_fraction=0.2,0.99",
        "split.val_fraction=0.05",  # 0.99 + 0.05 leaves no test pixels: that job fails
        f"hydra.sweep.dir={sweep_dir}",
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert "1 of 2 runs did not finish" in result.stdout
    summary = json.loads((sweep_dir / "summary.json").read_text())
    (failed,) = summary["not_finished"]
    assert failed["status"] == "failed" and "which leaves no test pixels" in failed["error"]
    assert summary["runs"]["finished"] == 1


@pytest.mark.slow
def test_the_same_sweep_with_parallel_joblib_jobs(scene_files, tmp_path):
    pytest.importorskip("hydra_plugins.hydra_joblib_launcher")
    sweep_dir = tmp_path / "sweep"
    result = run_subprocess(
        "hsi-train",
        "-m",
        "experiment=parallel_cpu",
        *scene_files["overrides"],
        *TINY,
        "seed=0,1",
        f"hydra.sweep.dir={sweep_dir}",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads((sweep_dir / "summary.json").read_text())
    assert summary["runs"] == {"total": 2, "finished": 2}
    assert (
        "Joblib" in (sweep_dir / "multirun.yaml").read_text() or "joblib" in (sweep_dir / "multirun.yaml").read_text()
    )
    for job in ("0", "1"):
        metrics = json.loads((sweep_dir / job / "metrics.json").read_text())
        assert metrics["environment"]["threads"] == 1


def test_the_summary_legend_covers_no_bar():
    from hsi.sweep.plot import summary_figure

    classes = [f"class {k}" for k in range(16)]
    per_class = [{"name": n, "mean": 0.05 if k % 3 == 0 else 0.97, "std": 0.02} for k, n in enumerate(classes)]
    summary = {
        "groups": {
            f"model=variant_{i}": {"runs": [{"oa": 0.9 + 0.01 * s} for s in range(3)], "per_class": per_class}
            for i in range(4)
        }
    }
    fig = summary_figure(summary)
    fig.canvas.draw()
    ax = fig.axes[1]
    legend = ax.get_legend().get_window_extent()
    bars = [patch.get_window_extent() for patch in ax.patches]
    assert len(bars) == 4 * 16
    assert not [b for b in bars if legend.overlaps(b)]


def test_holm_adjusts_several_p_values_as_computed_by_hand():
    # six paired tests of one page: sorted 0.000189, 0.00107, 0.024, 0.0468, 0.0539, 0.216
    # times 6, 5, 4, 3, 2, 1 -> 0.001134, 0.00535, 0.096, 0.1404, 0.1078 (raised to 0.1404), 0.216
    got = holm([0.0539, 0.00107, 0.000189, 0.216, 0.0468, 0.024])
    np.testing.assert_allclose(got, [0.1404, 0.00535, 0.001134, 0.216, 0.1404, 0.096])
    assert holm([0.6, 0.9]) == [1.0, 1.0]  # capped at 1
    assert np.isnan(holm([float("nan"), 0.01])[0]) and holm([float("nan"), 0.01])[1] == 0.01


def test_a_folder_without_a_finished_run_is_refused_in_one_sentence(tmp_path):
    (tmp_path / "empty").mkdir()
    result = run_cli("hsi-map", str(tmp_path / "empty"), cwd=tmp_path)
    assert result.returncode == 2 and "holds no finished run; give a run folder or a sweep folder" in result.stderr
    assert not (tmp_path / "empty-maps").exists()


@pytest.mark.slow
def test_a_sweep_through_joblib_and_through_submitit_gives_the_serial_summary(scene_files, tmp_path):
    pytest.importorskip("hydra_plugins.hydra_joblib_launcher")
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    common = [*scene_files["overrides"], *TINY, "trainer.threads=1", "deterministic=true", "seed=0,1"]
    launchers = {
        "serial": [],
        "joblib": ["hydra/launcher=joblib_cpu"],
        "submitit": ["hydra/launcher=submitit_local_cpu"],
    }
    summaries = {}
    for name, launcher in launchers.items():
        sweep_dir = tmp_path / name
        result = run_subprocess("hsi-train", "-m", *launcher, *common, f"hydra.sweep.dir={sweep_dir}", cwd=tmp_path)
        assert result.returncode == 0, (name, result.stderr[-2000:])
        summaries[name] = json.loads((sweep_dir / "summary.json").read_text())
    for name in ("joblib", "submitit"):
        assert summaries[name]["runs"] == summaries["serial"]["runs"] == {"total": 2, "finished": 2}
        (group,) = summaries[name]["groups"].values()
        (serial,) = summaries["serial"]["groups"].values()
        for metric in ("OA", "AA", "kappa"):
            assert group[metric]["mean"] == serial[metric]["mean"] and group[metric]["std"] == serial[metric]["std"]
