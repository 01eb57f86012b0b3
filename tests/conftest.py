from __future__ import annotations

import os
from pathlib import Path

import pytest
from cli_helpers import run_cli
from synthetic import make_scene, write_scene_files

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    """The reference data: $HSI_TEST_DATA, else ../shared/data beside the repository."""
    return Path(os.environ.get("HSI_TEST_DATA") or REPO_ROOT.parent / "shared" / "data")


@pytest.fixture
def indian_pines_root() -> Path:
    root = shared_data_dir()
    if not (root / "indian_pines" / "Indian_pines_corrected.mat").is_file():
        pytest.skip(f"the real Indian Pines files are not under {root} (set HSI_TEST_DATA to their data root)")
    return root


@pytest.fixture
def scene_files(tmp_path) -> dict:
    """A synthetic scene written as two v5 .mat files, with the overrides that select it."""
    cube, gt = make_scene()
    overrides = write_scene_files(tmp_path)
    return {
        "cube": cube,
        "gt": gt,
        "cube_path": tmp_path / "cube.mat",
        "gt_path": tmp_path / "gt.mat",
        "overrides": overrides,
    }


# A sweep's or a tracker's smallest real run: two epochs, no maps.
TINY = [
    "trainer.epochs=2",
    "trainer.batch_size=32",
    "trainer.precision=fp32",
    "maps.enabled=false",
    "split.train_fraction=0.2",
]

FAST = ["trainer.epochs=15", "trainer.batch_size=16", "split.train_fraction=0.2", "trainer.precision=fp32"]


@pytest.fixture(scope="session")
def finished_run(tmp_path_factory):
    """One short real training run on the synthetic scene, shared by the checks below."""
    tmp = tmp_path_factory.mktemp("e2e")
    run_dir = tmp / "run"
    result = run_cli(
        "hsi-train",
        *write_scene_files(tmp),
        "dataset.class_names=[water,field,forest,town]",
        *FAST,
        f"hydra.run.dir={run_dir}",
        cwd=tmp,
    )
    assert result.returncode == 0, result.stderr
    return run_dir
