"""``hsi-train`` end to end in a subprocess: a synthetic scene is learnt, every report file written."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest
import torch
from cli_helpers import run_cli
from conftest import REPO_ROOT

import hsi
from hsi.allocator import allocator_settings
from hsi.provenance import peak_rss_mb


def test_training_learns_the_synthetic_scene(finished_run):
    metrics = json.loads((finished_run / "metrics.json").read_text())
    # four classes: chance is 25%
    assert metrics["overall_accuracy"] > 0.9
    assert metrics["kappa"] > 0.85
    assert metrics["class_names"] == ["water", "field", "forest", "town"]
    protocol = metrics["protocol"]
    assert protocol["pca_fit_scope"] == "all" and protocol["pca_saw_test_pixels"] is True
    assert protocol["window"] == 9 and protocol["pca_components"] == 15 and protocol["training"]["epochs"] == 15
    assert protocol["split"]["train_fraction"] == 0.2 and protocol["split_seed"] == 0
    assert len(metrics["history"]) == 15 and metrics["train_seconds"] > 0
    sizes = metrics["split_sizes"]
    assert sum(sizes.values()) == 22 * 22
    assert sum(c["support"] for c in metrics["per_class"]) == sizes["test"]
    assert np.asarray(metrics["confusion_matrix"]).sum() == sizes["test"]
    # each class of the synthetic scene is one stripe, one field, and a random split trains in it
    assert protocol["fields_per_class"]["all"] == [1, 1, 1, 1] == protocol["fields_per_class"]["train"]
    assert protocol["test_pixels_in_training_fields"] == 1.0
    report = (finished_run / "report.md").read_text()
    assert "100.0% of test pixels lie in a field that also has training pixels" in report
    assert "fields: train / val / test / all |" in report and "| 1 / 0 / 1 / 1 |" in report  # no validation


def test_every_report_file_is_written_and_readable(finished_run):
    for name in [
        "metrics.json",
        "report.md",
        "per_class.csv",
        "confusion.png",
        "curves.png",
        "checkpoint.pt",
        "train.log",
    ]:
        assert (finished_run / name).is_file(), name
    assert not list(finished_run.glob("*.tmp"))
    report = (finished_run / "report.md").read_text()
    assert "forest" in report and "OA (%)" in report and "fitted on `all` pixels" in report
    rows = list(csv.DictReader((finished_run / "per_class.csv").open()))
    assert [r["name"] for r in rows] == ["water", "field", "forest", "town"]
    for image in ["confusion.png", "curves.png"]:
        pixels = matplotlib.image.imread(finished_run / image)
        assert pixels.ndim == 3 and pixels.shape[0] > 200 and pixels.shape[1] > 200
    log = (finished_run / "train.log").read_text()
    assert "epoch 15" in log
    assert "classified all 576 pixels of the scene in" in log and "path)" not in log  # no words of the code


def test_checkpoint_loads_weights_only_with_what_prediction_needs(finished_run):
    checkpoint = torch.load(finished_run / "checkpoint.pt", weights_only=True)
    assert checkpoint["class_names"] == ["water", "field", "forest", "town"]
    assert checkpoint["pca"]["components"].shape == (15, 20)
    assert checkpoint["config"]["preprocess"]["window"] == 9
    from hsi.models import HybridSN

    model = HybridSN(15, 9, 4)
    model.load_state_dict(checkpoint["model_state"])


def _checksums(folder):
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_finished_run_folder_is_byte_identical_after_any_command_aimed_at_it(finished_run, scene_files, tmp_path):
    before = _checksums(finished_run)
    assert {".hydra/config.yaml", ".hydra/overrides.yaml", "train.log", "metrics.json"} <= set(before)
    again = run_cli(
        "hsi-train",
        *scene_files["overrides"],
        "model=hybridsn_lite",
        "trainer.epochs=1",
        f"hydra.run.dir={finished_run}",
        cwd=tmp_path,
    )
    assert again.returncode == 2 and "already holds a finished run, which is never changed" in again.stderr
    sweep = run_cli(
        "hsi-train",
        "-m",
        *scene_files["overrides"],
        "trainer.epochs=1",
        "seed=0,1",
        f"hydra.sweep.dir={finished_run.parent}",
        cwd=tmp_path,
    )
    assert sweep.returncode == 2 and "already holds finished runs (run" in sweep.stderr
    inside = run_cli("hsi-map", str(finished_run), "--out", str(finished_run / "maps"), cwd=tmp_path)
    assert inside.returncode == 2 and "inside the run folder" in inside.stderr
    beside = run_cli("hsi-map", str(finished_run), "--precision", "fp32", cwd=tmp_path)
    assert beside.returncode == 0, beside.stderr
    assert (finished_run.parent / f"{finished_run.name}-maps" / "prediction.png").is_file()
    assert run_cli("hsi-sweep-report", str(finished_run.parent), cwd=tmp_path).returncode == 0
    assert _checksums(finished_run) == before


def test_svm_baseline_runs_through_the_same_command(scene_files, tmp_path):
    run_dir = tmp_path / "svm"
    result = run_cli(
        "hsi-train",
        *scene_files["overrides"],
        "model=svm",
        "split.train_fraction=0.2",
        f"hydra.run.dir={run_dir}",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["model"] == "svm" and metrics["overall_accuracy"] > 0.9
    assert metrics["protocol"]["training"]["classifier"] == "SpectralSVM"
    assert "C" in metrics["protocol"]["training"]
    assert (run_dir / "confusion.png").is_file() and not (run_dir / "curves.png").exists()
    # A per-pixel classifier's report says nothing of windows, and its settings in words.
    report = (run_dir / "report.md").read_text()
    assert "window:" not in report and "inside some training window" not in report
    assert "per-pixel classifier" in report and "None" not in report
    cv = 100 * metrics["protocol"]["training"]["cv_accuracy"]
    assert f"cross-validated accuracy {cv:.2f}% on the training pixels" in report
    assert not re.search(r"\d\.\d{6,}", report)  # no raw float such as 0.9583333333333334 (1.0 may be a time)
    # The checkpoint holds the fitted SVM: the maps come back identical, with nothing refitted.
    from hsi.maps.from_run import render_run

    again = render_run(run_dir, out_dir=tmp_path / "again")
    first, second = np.load(run_dir / "maps" / "predictions.npz"), np.load(again / "predictions.npz")
    np.testing.assert_array_equal(first["labels"], second["labels"])
    np.testing.assert_array_equal(first["probabilities"], second["probabilities"])


def test_maps_are_written_at_the_end_of_a_run(finished_run):
    maps = finished_run / "maps"
    for name in [
        "overview.png",
        "ground_truth.png",
        "prediction.png",
        "prediction_labelled.png",
        "errors.png",
        "false_colour.png",
        "prediction.hdr",
        "prediction.img",
        "predictions.npz",
    ]:
        assert (maps / name).is_file(), name
    metrics = json.loads((finished_run / "metrics.json").read_text())
    assert metrics["scene_prediction"]["path"] == "dense" and metrics["scene_prediction"]["pixels"] == 24 * 24
    # the test metrics and the saved map are the same predictions
    data = np.load(maps / "predictions.npz")
    assert data["labels"].shape == (24, 24) and data["probabilities"].shape == (24, 24, 4)


def test_hsi_map_renders_a_finished_run_again(finished_run, tmp_path):
    before = np.load(finished_run / "maps" / "predictions.npz")["labels"]
    out = tmp_path / "again"
    result = run_cli("hsi-map", str(finished_run), "--out", str(out), "--precision", "fp32", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    np.testing.assert_array_equal(np.load(out / "predictions.npz")["labels"], before)
    assert (out / "errors.png").is_file() and (out / "prediction.hdr").is_file()


def test_hsi_map_on_another_scene_with_the_same_bands(finished_run, tmp_path):
    from synthetic import make_scene, write_mat_v5

    cube, gt = make_scene(height=16, width=20, seed=5)
    write_mat_v5(tmp_path / "c2.mat", "cube", cube)
    write_mat_v5(tmp_path / "g2.mat", "labels", gt)
    result = run_cli(
        "hsi-map",
        str(finished_run),
        "dataset=custom",
        f"dataset.cube_path={tmp_path / 'c2.mat'}",
        "dataset.cube_key=cube",
        f"dataset.gt_path={tmp_path / 'g2.mat'}",
        "dataset.gt_key=labels",
        "dataset.name=other",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    out = finished_run.parent / f"{finished_run.name}-maps-other"
    assert np.load(out / "predictions.npz")["labels"].shape == (16, 20)
    assert not (out / "errors.png").exists()  # no split on a scene the model never saw


def test_hsi_map_refuses_a_scene_with_other_bands(finished_run, tmp_path):
    from synthetic import make_scene, write_mat_v5

    cube, gt = make_scene(bands=25)
    write_mat_v5(tmp_path / "c3.mat", "cube", cube)
    write_mat_v5(tmp_path / "g3.mat", "labels", gt)
    result = run_cli(
        "hsi-map",
        str(finished_run),
        "dataset=custom",
        f"dataset.cube_path={tmp_path / 'c3.mat'}",
        "dataset.cube_key=cube",
        f"dataset.gt_path={tmp_path / 'g3.mat'}",
        "dataset.gt_key=labels",
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "The scene has 25 bands but the PCA was fitted on 20" in result.stderr
    assert "Traceback" not in result.stderr


def test_honest_experiment_records_no_leakage(scene_files, tmp_path):
    run_dir = tmp_path / "honest"
    result = run_cli(
        "hsi-train",
        *scene_files["overrides"],
        "experiment=honest",
        "split.block_size=6",
        "split.train_fraction=0.3",
        "trainer.epochs=2",
        "trainer.precision=fp32",
        f"hydra.run.dir={run_dir}",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    protocol = json.loads((run_dir / "metrics.json").read_text())["protocol"]
    assert protocol["test_pixels_in_training_windows"] == 0.0
    assert protocol["pca_fit_scope"] == "train" and protocol["pca_saw_test_pixels"] is False
    assert protocol["split"]["_target_"].endswith("spatially_disjoint_split")
    assert "0.0% of test pixels lie inside some training window" in (run_dir / "report.md").read_text()
    assert "PCA did not see test pixels" in (run_dir / "report.md").read_text()
    assert (run_dir / "maps" / "split.png").is_file()


def test_a_saved_split_is_reused_with_split_masks(finished_run, scene_files, tmp_path):
    saved = finished_run / "split.npz"
    run_dir = tmp_path / "again"
    result = run_cli(
        "hsi-train",
        *scene_files["overrides"],
        "split=masks",
        f"split.train_mask={saved}",
        f"split.val_mask={saved}",
        f"split.test_mask={saved}",
        "trainer.epochs=1",
        "trainer.precision=fp32",
        "maps.enabled=false",
        f"hydra.run.dir={run_dir}",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    first, second = np.load(saved), np.load(run_dir / "split.npz")
    for part in ("train", "val", "test"):
        np.testing.assert_array_equal(first[part], second[part])
    protocol = json.loads((finished_run / "metrics.json").read_text())["protocol"]
    assert 0 < protocol["test_pixels_in_training_windows"] <= 1


def test_masks_without_a_test_mask_is_one_sentence_and_leaves_no_run_folder(finished_run, scene_files, tmp_path):
    run_dir = tmp_path / "no_test_mask"
    result = run_cli(
        "hsi-train",
        *scene_files["overrides"],
        "split=masks",
        f"split.train_mask={finished_run / 'split.npz'}",
        f"hydra.run.dir={run_dir}",
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "split=masks needs a test mask: add split.test_mask=FILE" in result.stderr
    assert "Traceback" not in result.stderr and not run_dir.exists()


def test_hsi_map_finds_the_data_of_a_run_started_with_relative_paths_from_another_folder(tmp_path):
    from synthetic import write_scene_files

    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    project.mkdir()
    elsewhere.mkdir()
    overrides = [o.replace(f"{project}/", "") for o in write_scene_files(project)]  # cube.mat, gt.mat: relative
    assert "dataset.cube_path=cube.mat" in overrides
    result = run_cli(
        "hsi-train", *overrides, "trainer.epochs=1", "maps.enabled=false", "hydra.run.dir=run", cwd=project
    )
    assert result.returncode == 0, result.stderr
    mapped = run_cli("hsi-map", str(project / "run"), "--out", "maps", cwd=elsewhere)
    assert mapped.returncode == 0, mapped.stderr
    assert (elsewhere / "maps" / "prediction.png").is_file() and not (elsewhere / "data").exists()


def test_a_run_records_the_code_and_machine_that_produced_it(finished_run):
    environment = json.loads((finished_run / "metrics.json").read_text())["environment"]
    assert environment["hsi"] == hsi.__version__ and environment["cpu"]
    if sys.platform.startswith("linux"):  # the default allocator=lean, as this process applied it
        assert environment["allocator"] == allocator_settings() and environment["allocator"]
    if shutil.which("git") is None or not (REPO_ROOT / ".git").exists():
        pytest.skip("not a git checkout: the run records no commit")
    head = subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True).stdout
    assert environment["source_commit"].split("+")[0] == head.strip()[:12]


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs Linux's /proc to know what the process holds")
def test_the_recorded_peak_memory_is_in_megabytes_and_covers_what_the_process_holds(finished_run):
    block = np.ones(64 * 2**20 // 8)  # 64 MB the process certainly touched
    held = int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    # The kernel's high-water mark lags its per-thread page counts by a few pages, hence the 4 MB;
    # kibibytes or bytes would be off by a factor of a thousand either way.
    assert held - 4 <= peak_rss_mb() < 100_000
    assert block.sum() == len(block)
    recorded = json.loads((finished_run / "metrics.json").read_text())["environment"]["peak_rss_mb"]
    assert 0 < recorded <= peak_rss_mb()  # the run was made earlier in this process


def test_the_spectral_cnn_baseline_trains_maps_and_maps_again_from_its_run(scene_files, tmp_path):
    run_dir = tmp_path / "cnn1d"
    result = run_cli(
        "hsi-train",
        *scene_files["overrides"],
        "model=spectral_cnn1d",
        "model.epochs=20",
        "split.train_fraction=0.2",
        f"hydra.run.dir={run_dir}",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["model"] == "spectral_cnn1d" and metrics["protocol"]["training"]["classifier"] == "SpectralCNN1D"
    assert metrics["num_parameters"] > 0 and metrics["overall_accuracy"] > 0.9
    again = run_cli("hsi-map", str(run_dir), "--out", str(tmp_path / "again"), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    saved = np.load(run_dir / "maps" / "predictions.npz")
    redrawn = np.load(tmp_path / "again" / "predictions.npz")
    np.testing.assert_array_equal(saved["labels"], redrawn["labels"])


def test_a_field_split_of_a_scene_whose_classes_have_one_field_each_is_refused(scene_files, tmp_path):
    run_dir = tmp_path / "fields"
    result = run_cli("hsi-train", *scene_files["overrides"], "split=fields", f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert result.returncode == 2
    assert "No class of this scene keeps 10 test pixels in a field of its own" in result.stderr
    assert not (run_dir / "metrics.json").exists()
