"""Interrupted runs: SIGTERM saves a resumable state; resuming ends exactly like an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest
import torch
from cli_helpers import run_cli, script

from hsi.errors import UserError
from hsi.train.resume import config_differences

# Small batches make each epoch last long enough to be interrupted in the middle of it.
SLOW = [
    "deterministic=true",
    "trainer.epochs=6",
    "trainer.batch_size=4",
    "trainer.precision=fp32",
    "split.train_fraction=0.3",
    "maps.enabled=false",
]


def _terminate_mid_training(args, cwd, run_dir):
    log = run_dir / "train.log"
    proc = subprocess.Popen(
        [script("hsi-train"), *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "HYDRA_FULL_ERROR": "0"},
    )
    deadline = time.time() + 300
    while time.time() < deadline:  # a safety net only: the loop ends when epoch 2 is logged
        if log.is_file() and "epoch 2 " in log.read_text():
            break
        if proc.poll() is not None:
            pytest.fail(f"training ended before it could be interrupted: {proc.stderr.read()}")
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=300)
    return proc.returncode, stderr


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory):
    """One run stopped by SIGTERM during epoch 3, and the same run left alone, on the synthetic scene."""
    from synthetic import write_scene_files

    tmp = tmp_path_factory.mktemp("resume")
    overrides = [*write_scene_files(tmp), *SLOW]
    straight = tmp / "straight"
    result = run_cli("hsi-train", *overrides, f"hydra.run.dir={straight}", cwd=tmp)
    assert result.returncode == 0, result.stderr
    run_dir = tmp / "interrupted"
    code, stderr = _terminate_mid_training([*overrides, f"hydra.run.dir={run_dir}"], tmp, run_dir)
    return {
        "tmp": tmp,
        "overrides": overrides,
        "straight": straight,
        "run_dir": run_dir,
        "code": code,
        "stderr": stderr,
    }


@pytest.mark.slow
def test_sigterm_leaves_a_resumable_incomplete_run(interrupted):
    run_dir = interrupted["run_dir"]
    assert interrupted["code"] == 130, interrupted["stderr"]
    assert "Continue it with: hsi-train resume=" in interrupted["stderr"]
    assert "Traceback" not in interrupted["stderr"]
    assert (run_dir / "resume.pt").is_file() and not (run_dir / "metrics.json").exists()
    assert "INCOMPLETE" in (run_dir / "report.md").read_text()
    note = json.loads((run_dir / "incomplete.json").read_text())
    assert note["epochs_done"] >= 2 and note["epochs"] == 6
    state = torch.load(run_dir / "resume.pt", weights_only=True)
    assert state["trainer"]["epoch"] == note["epochs_done"] and "optimizer" in state["trainer"]


@pytest.mark.slow
def test_a_resume_with_another_config_is_refused_naming_the_fields(interrupted):
    tmp, run_dir = interrupted["tmp"], interrupted["run_dir"]
    result = run_cli(
        "hsi-train",
        *interrupted["overrides"],
        "model=hybridsn_se",
        f"resume={run_dir}",
        f"hydra.run.dir={tmp / 'refused'}",
        cwd=tmp,
    )
    assert result.returncode == 2
    assert "was saved with other settings" in result.stderr
    assert "\n  model.attention: 'none' -> 'se'" in result.stderr  # one differing field per line
    assert (run_dir / "resume.pt").is_file() and not (tmp / "refused").exists()  # nothing is lost


@pytest.mark.slow
def test_resuming_gives_the_uninterrupted_metrics(interrupted):
    tmp, run_dir = interrupted["tmp"], interrupted["run_dir"]
    # the folder alone: the overrides of the first start come from its .hydra/overrides.yaml
    resumed = run_cli("hsi-train", f"resume={run_dir}", f"hydra.run.dir={tmp / 'session'}", cwd=tmp)
    assert resumed.returncode == 0, resumed.stderr
    assert not (tmp / "session").exists()  # the resumed run wrote into the interrupted folder
    assert not (run_dir / "resume.pt").exists() and not (run_dir / "incomplete.json").exists()
    a = json.loads((interrupted["straight"] / "metrics.json").read_text())
    b = json.loads((run_dir / "metrics.json").read_text())
    for key in ("overall_accuracy", "average_accuracy", "kappa", "confusion_matrix", "best_epoch"):
        assert a[key] == b[key], key
    assert [h["train_loss"] for h in a["history"]] == [h["train_loss"] for h in b["history"]]
    assert "resumed session" in (run_dir / "train.log").read_text()


def test_config_differences_ignore_what_may_change():
    saved = {"model": {"attention": "none"}, "trainer": {"epochs": 5, "device": "cpu", "resume": None}, "seed": 0}
    current = {"model": {"attention": "none"}, "trainer": {"epochs": 5, "device": "cuda", "resume": "x"}, "seed": 0}
    assert config_differences(saved, current) == []
    current["trainer"]["epochs"] = 9
    assert config_differences(saved, current) == ["trainer.epochs: 5 -> 9"]


def test_a_run_saved_before_val_every_existed_resumes_unless_validation_would_change():
    older = {"trainer": {"epochs": 5}}  # interrupted before trainer.val_every was a setting
    assert config_differences(older, {"trainer": {"epochs": 5, "val_every": 1}}) == []  # validates as it did
    assert config_differences(older, {"trainer": {"epochs": 5, "val_every": 5}}) == ["trainer.val_every: 1 -> 5"]
    assert config_differences(older, older) == []


def test_a_refusal_lists_a_few_differences_one_per_line(tmp_path):
    from omegaconf import OmegaConf

    from hsi.run_dir import RunDir
    from hsi.train.checkpoint import save_checkpoint

    saved = {"model": {f"k{i}": i for i in range(12)}, "trainer": {"epochs": 5}, "seed": 0}
    save_checkpoint(tmp_path / "resume.pt", {"config": saved})
    current = OmegaConf.create({**saved, "model": {f"k{i}": i + 1 for i in range(12)}, "resume": str(tmp_path)})
    with pytest.raises(UserError) as refused:
        RunDir(tmp_path).load_resume_state(current)
    lines = str(refused.value).splitlines()
    assert lines[1:6] == [f"  model.k{i}: {i} -> {i + 1}" for i in (0, 1, 10, 11, 2)]  # sorted keys, 5 shown
    assert lines[-1] == "  ... and 7 more" and len(lines) == 7


@pytest.mark.slow
def test_a_finished_run_has_nothing_to_resume(interrupted):
    tmp = interrupted["tmp"]
    result = run_cli(
        "hsi-train",
        *interrupted["overrides"],
        f"resume={interrupted['straight']}",
        f"hydra.run.dir={tmp / 'nothing'}",
        cwd=tmp,
    )
    assert result.returncode == 2
    assert "it is a finished run, nothing to resume" in result.stderr
