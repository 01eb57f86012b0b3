from __future__ import annotations

import os
from pathlib import Path

import pytest
from cli_helpers import run_cli
from synthetic import make_scene, write_scene_files

REPO_ROOT = Path(__file__).resolve().parents[1]


INDIAN_PINES_CUBE = Path("indian_pines") / "Indian_pines_corrected.mat"


def data_root_candidates() -> list[Path]:
    """Where the real scenes may be, in order: $HSI_TEST_DATA; ../shared/data beside the repository; the
    tool's own data root ($HSI_DATA_DIR, else ./data of the repository), where `hsi-train` or `hsi-data
    download` put the files a user fetched."""
    given = os.environ.get("HSI_TEST_DATA")
    if given:
        return [Path(given)]
    return [REPO_ROOT.parent / "shared" / "data", Path(os.environ.get("HSI_DATA_DIR") or REPO_ROOT / "data")]


def shared_data_dir() -> Path:
    """The first candidate that holds Indian Pines (else the first), for tests that need real files."""
    candidates = data_root_candidates()
    return next((c for c in candidates if (c / INDIAN_PINES_CUBE).is_file()), candidates[0])


@pytest.fixture
def indian_pines_root() -> Path:
    root = shared_data_dir()
    if not (root / INDIAN_PINES_CUBE).is_file():
        looked = ", ".join(str(c) for c in data_root_candidates())
        pytest.skip(f"the real Indian Pines files are under none of {looked} (set HSI_TEST_DATA to their data root)")
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
