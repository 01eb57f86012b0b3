"""Bad input everywhere: one plain sentence, its exit code, no traceback, nothing half-written."""

from __future__ import annotations

import errno
import os

import numpy as np
import pytest
import scipy.io
from cli_helpers import run_cli
from synthetic import make_scene

from hsi.errors import UserError
from hsi.files import write_atomically


def _scene_args(tmp_path, cube, gt, *extra):
    np.save(tmp_path / "cube.npy", cube)
    np.save(tmp_path / "gt.npy", gt)
    return [
        "dataset=custom",
        f"dataset.cube_path={tmp_path / 'cube.npy'}",
        f"dataset.gt_path={tmp_path / 'gt.npy'}",
        "preprocess.n_components=15",
        "preprocess.window=9",
        "trainer.epochs=1",
        *extra,
    ]


GOOD_CUBE, GOOD_GT = make_scene()


def _single_pixel_class():
    gt = GOOD_GT.copy()
    gt[5, 5] = 5
    return gt


CASES = {
    "complex cube": (GOOD_CUBE + 1j, GOOD_GT, [], "holds complex numbers"),
    "2-D cube": (GOOD_CUBE[:, :, 0], GOOD_GT, [], "it needs three axes"),
    "NaN in cube": (
        np.where(np.arange(20) == 3, np.nan, GOOD_CUBE.astype(float)),
        GOOD_GT,
        [],
        "NaN or infinite values",
    ),
    "inf in cube": (
        np.where(np.arange(20) == 3, np.inf, GOOD_CUBE.astype(float)),
        GOOD_GT,
        [],
        "NaN or infinite values",
    ),
    "negative labels": (GOOD_CUBE, GOOD_GT.astype(int) - 1, [], "hold negative values"),
    "non-integer labels": (GOOD_CUBE, GOOD_GT + 0.5, [], "hold non-integer values"),
    "labels beyond the class list": (
        GOOD_CUBE,
        GOOD_GT,
        ["dataset.class_names=[a,b]"],
        "go up to 4 but dataset.class_names lists 2",
    ),
    "a class with a single pixel": (
        GOOD_CUBE,
        _single_pixel_class(),
        [],
        "Class 5 (class 5) has only 1 labelled pixels",
    ),
    "scene smaller than the window": (GOOD_CUBE[:6, :6], GOOD_GT[:6, :6], [], "smaller than the 9x9 window"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_scene_is_refused_plainly(tmp_path, case):
    cube, gt, extra, message = CASES[case]
    run_dir = tmp_path / "run"
    result = run_cli("hsi-train", *_scene_args(tmp_path, cube, gt, *extra), f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not run_dir.exists()


@pytest.mark.parametrize(
    "content, message",
    [
        (b"MATLAB 5.0 MAT-file" + b"\x00" * 20, "could not be read as a MATLAB .mat file"),
        (b"not a mat file at all", "could not be read as a MATLAB .mat file"),
    ],
)
def test_truncated_or_foreign_mat_files(tmp_path, content, message):
    scipy.io.savemat(tmp_path / "gt.mat", {"gt": GOOD_GT})
    (tmp_path / "cube.mat").write_bytes(content)
    run_dir = tmp_path / "run"
    result = run_cli(
        "hsi-train",
        "dataset=custom",
        f"dataset.cube_path={tmp_path / 'cube.mat'}",
        "dataset.cube_key=x",
        f"dataset.gt_path={tmp_path / 'gt.mat'}",
        f"hydra.run.dir={run_dir}",
        cwd=tmp_path,
    )
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr
    assert not run_dir.exists()


def test_unwritable_output_folder(tmp_path):
    result = run_cli("hsi-train", "hydra.run.dir=/proc/hsi/run", cwd=tmp_path)
    assert result.returncode == 2
    assert "Cannot create the run folder /proc/hsi/run" in result.stderr and "Traceback" not in result.stderr


def test_a_write_interrupted_before_the_rename_leaves_the_previous_file(tmp_path, monkeypatch):
    target = tmp_path / "metrics.json"
    write_atomically(target, "old")

    def killed(*_):
        raise KeyboardInterrupt  # the process dies between the temporary file and the rename

    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(target, "new, but never finished")
    assert target.read_text() == "old"


def test_a_full_disk_is_a_plain_error_and_keeps_the_previous_file(tmp_path, monkeypatch):
    target = tmp_path / "checkpoint.pt"
    write_atomically(target, b"previous checkpoint")

    def full(_fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(UserError, match=r"Could not write .*checkpoint.pt \(No space left on device\); free some disk"):
        write_atomically(target, b"x" * 1000)
    assert target.read_bytes() == b"previous checkpoint"
    assert not (tmp_path / "checkpoint.pt.tmp").exists()
