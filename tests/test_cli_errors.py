"""Bad input stops ``hsi-train`` before training: one plain sentence, non-zero exit, no run folder."""

from __future__ import annotations

import pytest
from cli_helpers import run_cli, run_subprocess

UNREACHABLE = "dataset.urls={cube:'http://127.0.0.1:9/c.mat',gt:'http://127.0.0.1:9/g.mat'}"


def _assert_refused(result, message, run_dir, code=2):
    assert result.returncode == code, result.stderr
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not run_dir.exists(), f"half-written run folder left: {list(run_dir.rglob('*'))}"


@pytest.mark.parametrize(
    "overrides, message",
    [
        (["preprocess.window=8"], "preprocess.window is 8; it must be an odd whole number"),
        (["preprocess.n_components=25"], "n_components is 25 but the scene has only 20 bands"),
        (["split.train_fraction=1.5"], "split.train_fraction is 1.5; it must lie strictly between 0 and 1"),
        (["split.train_fraction=0.7", "split.val_fraction=0.4"], "which leaves no test pixels"),
        (["dataset.cube_key=wrong"], "has no variable 'wrong' (it has: cube)"),
        (["preprocess.window=7"], "HybridSN needs windows of at least 9x9"),
        (["trainer.precision=fp64"], "trainer.precision is 'fp64'"),
        (["trainer.epochs=0"], "trainer.epochs is 0; it must be a whole number of at least 1."),
        (["trainer.epochs=abc"], "trainer.epochs is 'abc'; it must be a whole number of at least 1."),
        (["trainer.batch_size=2.5"], "trainer.batch_size is 2.5; it must be a whole number of at least 1."),
        (["trainer.patience=0"], "trainer.patience is 0; it must be a whole number of at least 1 (or null)."),
        (["trainer.val_every=0"], "trainer.val_every is 0; it must be a whole number of at least 1."),
        (["allocator=tcmalloc"], "allocator is 'tcmalloc'; choose one of lean, glibc."),
    ],
)
def test_bad_settings_are_refused(scene_files, tmp_path, overrides, message):
    run_dir = tmp_path / "out" / "run"
    result = run_cli("hsi-train", *scene_files["overrides"], *overrides, f"hydra.run.dir={run_dir}", cwd=tmp_path)
    _assert_refused(result, message, run_dir)
    assert not (tmp_path / "out").exists()


def test_a_refused_start_leaves_the_users_own_empty_folders_alone(scene_files, tmp_path):
    """Only the folders the start made go with a refused run's stub; a folder of the user's stays, even empty."""
    mine = tmp_path / "my-runs"
    mine.mkdir()
    result = run_cli("hsi-train", *scene_files["overrides"], "segments.size=0", f"hydra.run.dir={mine / 'a'}", cwd=mine)
    assert result.returncode == 2 and "segments.size is 0" in result.stderr
    assert mine.is_dir() and not (mine / "a").exists()
    (tmp_path / "outputs").mkdir()  # the user's; the date folder below it is made by the start
    dated = tmp_path / "outputs" / "2026-01-01"
    result = run_cli(
        "hsi-train", *scene_files["overrides"], "segments.size=0", f"hydra.run.dir={dated / 'b'}", cwd=tmp_path
    )
    assert result.returncode == 2 and not dated.exists() and (tmp_path / "outputs").is_dir()


def test_cube_and_labels_of_different_sizes(scene_files, tmp_path):
    from synthetic import make_scene, write_mat_v5

    _, gt = make_scene(height=30)
    write_mat_v5(scene_files["gt_path"], "labels", gt)
    run_dir = tmp_path / "run"
    result = run_cli("hsi-train", *scene_files["overrides"], f"hydra.run.dir={run_dir}", cwd=tmp_path)
    _assert_refused(result, "is 24x24 pixels but its ground truth is 30x24", run_dir)


def test_config_choices_of_a_users_own_config_folder_are_left_to_hydra(tmp_path):
    from hsi.cli.train import _config_choices_exist

    for extra in (["--config-dir", str(tmp_path)], [f"hydra.searchpath=[file://{tmp_path}]"]):
        _config_choices_exist([*extra, "experiment=mine"])  # no exit: Hydra looks in the user's folder


@pytest.mark.parametrize(
    "override, message",
    [
        ("model=hybridns", "model=hybridns names no model config (did you mean hybridsn or"),
        ("model=hybridsn,hybridsn_ce", "model=hybridsn_ce names no model config (did you mean hybridsn_se"),
        ("trainer=papr", "trainer=papr names no trainer config (did you mean paper?)"),
        ("hydra/launcher=slrum", "hydra/launcher=slrum names no hydra/launcher config (did you mean slurm?)"),
        ("dataset=mars", "dataset=mars names no dataset config; the options are: botswana, custom,"),
    ],
)
def test_a_mistyped_config_choice_is_one_sentence_naming_the_closest(tmp_path, override, message):
    run_dir = tmp_path / "run"
    result = run_cli("hsi-train", override, f"hydra.run.dir={run_dir}", cwd=tmp_path)
    _assert_refused(result, message, run_dir)
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.parametrize(
    "overrides, message",
    [
        (["trainer.epoch=5"], "trainer.epoch is not a setting of hsi-train (did you mean trainer.epochs?)"),
        (["traner.epochs=5"], "traner.epochs is not a setting of hsi-train (did you mean trainer?)"),
        (
            ["split.train_fractoin=0.3"],
            "split.train_fractoin is not a setting of hsi-train (did you mean split.train_fraction?)",
        ),
        (["-m", "model=svm,hybridsn", "model.Cx=3"], "model.Cx is not a setting of hsi-train (did you mean model.C?)"),
        (["+trainer.epoch=5"], "trainer.epoch is not a trainer option (did you mean trainer.epochs?)"),
    ],
)
def test_a_mistyped_config_key_is_one_sentence_naming_the_closest(tmp_path, overrides, message):
    run_dir = tmp_path / "run"
    where = "hydra.sweep.dir" if "-m" in overrides else "hydra.run.dir"
    result = run_cli("hsi-train", *overrides, f"{where}={run_dir}", cwd=tmp_path)
    _assert_refused(result, message, run_dir)
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_keys_that_exist_in_one_of_the_swept_models_or_in_an_open_node_are_accepted():
    from hsi.cli.config_keys import check_keys_exist
    from hsi.cli.train import config_options

    is_group = lambda key: config_options(key) is not None  # noqa: E731
    check_keys_exist(["model=hybridsn,svm", "model.C=3", "-m"], is_group)  # svm has C, HybridSN has not
    check_keys_exist(["logger=mlflow", "logger.experiment=x"], is_group)  # a group chosen on the line
    check_keys_exist(["trainer.optimizer.weight_decay=0.05", "+trainer.optimizer.foo=1", "hydra.run.dir=x"], is_group)


def test_a_ctrl_c_before_training_began_is_one_sentence_and_leaves_no_folder(scene_files, tmp_path, monkeypatch):
    import hsi.experiment

    def stopped(cfg):
        raise KeyboardInterrupt  # Ctrl-C while the scene is read, before the first epoch

    monkeypatch.setattr(hsi.experiment, "load_scene", stopped)
    run_dir = tmp_path / "run"
    result = run_cli("hsi-train", *scene_files["overrides"], f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert result.returncode == 130, result.stderr
    assert result.stderr.strip() == (
        "hsi-train: stopped by Ctrl-C before training began; nothing was saved, so there is nothing to resume; "
        "start the run again."
    )
    assert not run_dir.exists()
    again = run_cli("hsi-train", f"resume={run_dir}", f"hydra.run.dir={tmp_path / 'again'}", cwd=tmp_path)
    _assert_refused(
        again, f"There is no run folder {run_dir}; a run stopped before training began leaves none", tmp_path / "again"
    )


def test_a_ctrl_c_while_the_report_is_written_marks_the_folder(scene_files, tmp_path, monkeypatch):
    import hsi.experiment

    def stopped(*args, **kwargs):
        (run_dir / "maps").mkdir()  # something of the run is written already
        raise KeyboardInterrupt

    monkeypatch.setattr(hsi.experiment, "write_run", stopped)
    run_dir = tmp_path / "run"
    result = run_cli(
        "hsi-train", *scene_files["overrides"], "trainer.epochs=1", f"hydra.run.dir={run_dir}", cwd=tmp_path
    )
    assert result.returncode == 130, result.stderr
    assert "stopped by Ctrl-C after training, while the maps and the report were written" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    again = run_cli("hsi-train", f"resume={run_dir}", cwd=tmp_path)
    assert again.returncode == 2 and "it ended without a resumable state (stopped by Ctrl-C after" in again.stderr


def test_a_ctrl_c_while_a_command_starts_is_one_sentence(monkeypatch, capsys):
    import importlib

    from hsi.cli import launch

    def stopped(name):
        raise KeyboardInterrupt  # torch's import takes seconds: a Ctrl-C lands there

    monkeypatch.setattr(importlib, "import_module", stopped)
    with pytest.raises(SystemExit) as exit_:
        launch.train()
    assert exit_.value.code == 130
    assert capsys.readouterr().err == "hsi-train: stopped by Ctrl-C while starting; nothing was written.\n"


@pytest.mark.slow  # a subprocess: its sys.path hides the bundled copy
def test_missing_data_with_no_network_and_no_bundled_copy(tmp_path):
    # A stand-in `tensorly` without its data folder hides the bundled copy from the subprocess.
    fake = tmp_path / "fake_site" / "tensorly"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    run_dir = tmp_path / "run"
    (tmp_path / "empty").mkdir()  # an existing data root: the download is attempted, and fails
    result = run_subprocess(
        "hsi-train",
        f"data_root={tmp_path / 'empty'}",
        UNREACHABLE,
        "dataset.timeout=2",
        f"hydra.run.dir={run_dir}",
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path / "fake_site")},
    )
    _assert_refused(result, "and the bundled copy (package tensorly) is not installed", run_dir)


@pytest.mark.parametrize("scene", ["pavia_university", "salinas"])
def test_an_offline_user_asking_for_another_scene_is_told_where_to_put_its_files(tmp_path, scene):
    run_dir, root = tmp_path / "run", tmp_path / "data"
    root.mkdir()
    result = run_cli(
        "hsi-train",
        f"dataset={scene}",
        f"data_root={root}",
        UNREACHABLE,
        "dataset.timeout=2",
        f"hydra.run.dir={run_dir}",
        cwd=tmp_path,
    )
    _assert_refused(result, "the official site could not be reached", run_dir)
    assert f"download the two .mat files by hand into {root / scene}" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_data_with_downloads_off(tmp_path):
    run_dir = tmp_path / "run"
    result = run_cli(
        "hsi-train", f"data_root={tmp_path}", "dataset.download=false", f"hydra.run.dir={run_dir}", cwd=tmp_path
    )
    _assert_refused(result, "indian_pines is not under", run_dir)


def test_a_slurm_sweep_without_slurm_is_one_sentence_and_leaves_no_sweep_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no sbatch anywhere on the search path
    sweep_dir = tmp_path / "sweep"
    result = run_cli(
        "hsi-train",
        "-m",
        "hydra/launcher=slurm",
        "seed=0,1",
        f"hydra.sweep.dir={sweep_dir}",
        cwd=tmp_path,
        env={"PATH": str(tmp_path)},
    )
    assert result.returncode == 2 and "hydra/launcher=slurm needs SLURM" in result.stderr
    assert "Traceback" not in result.stderr and not sweep_dir.exists()


def test_a_data_root_that_does_not_exist_is_not_created_by_a_download(tmp_path):
    run_dir = tmp_path / "run"
    typo = tmp_path / "dtaa"
    result = run_cli("hsi-train", f"data_root={typo}", UNREACHABLE, f"hydra.run.dir={run_dir}", cwd=tmp_path)
    _assert_refused(result, "and that folder does not exist; check data_root (a typo?)", run_dir)
    assert not typo.exists()
