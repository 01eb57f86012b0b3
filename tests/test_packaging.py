"""The configs ship inside the package: an installed wheel (not only the editable checkout) finds them."""

from __future__ import annotations

import shutil
import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
from conftest import REPO_ROOT


@pytest.mark.slow
def test_built_wheel_carries_the_configs_and_runs(tmp_path, scene_files):
    source = tmp_path / "src"
    shutil.copytree(
        REPO_ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "venv", "outputs", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache"
        ),
    )
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(source)],
        check=True,
        capture_output=True,
    )
    wheel = next(dist.glob("hsi-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in [
        "hsi/configs/train.yaml",
        "hsi/configs/model/hybridsn.yaml",
        "hsi/configs/dataset/indian_pines.yaml",
        "hsi/configs/trainer/default.yaml",
        "hsi/configs/__init__.py",
        "hsi/cli/train.py",
    ]:
        assert expected in names, expected
    # every module and config of the source tree ships (a package missing from pyproject would not)
    sources = {
        f"hsi/{p.relative_to(REPO_ROOT / 'hsi')}"
        for p in (REPO_ROOT / "hsi").rglob("*.py")
        if "__pycache__" not in p.parts
    }
    sources |= {
        f"hsi/configs/{p.relative_to(REPO_ROOT / 'configs')}"
        for p in (REPO_ROOT / "configs").rglob("*")
        if p.suffix in (".py", ".yaml")
    }
    assert sources - names == set(), "add the package to [tool.setuptools] packages in pyproject.toml"

    # A fresh environment that gets hsi from the wheel and borrows the test environment's
    # dependencies through a .pth line (appended after its own site-packages, so the wheel wins).
    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    env_site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(env_site) / "borrowed.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    where = subprocess.run(
        [str(python), "-c", "import hsi.configs, hsi; print(hsi.configs.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(env_dir) in where, where

    run_dir = tmp_path / "run"
    result = subprocess.run(
        [str(env_dir / "bin" / "hsi-train"), *scene_files["overrides"], "trainer.epochs=1", f"hydra.run.dir={run_dir}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert (run_dir / "metrics.json").is_file()
