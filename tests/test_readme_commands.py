"""Every command in README's code blocks, as written.

Each ``hsi-train`` line is parsed as the shell would (quotes and comments), composed with the
shipped configs (each swept value in turn for ``-m`` lines) and its trainer, model and split are
built; on the real Indian Pines (when present) the split is drawn too, which is where a
training count larger than a class shows. The other commands run in-process, with the
README's placeholder folders replaced by real ones. The quick look runs in full, marked slow.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run_cli
from hydra import compose, initialize_config_module
from hydra.core.override_parser.overrides_parser import OverridesParser

from hsi.config import build, check_preprocess_config

README = Path(__file__).resolve().parents[1] / "README.md"
EXAMPLE_RUN = "outputs/2026-11-28/10-00-00"
EXAMPLE_SWEEP = "outputs/multirun/2026-11-28/10-00-00"


def readme_commands() -> list[list[str]]:
    """Every command line of every bash block, continuation lines joined, split as the shell would."""
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", README.read_text(), flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            for part in line.split("&&"):
                tokens = shlex.split(part, comments=True)
                if tokens:
                    commands.append(tokens)
    return commands


COMMANDS = readme_commands()
TRAIN = [c for c in COMMANDS if c[0] == "hsi-train"]


def _variants(args: list[str]) -> list[list[str]]:
    """Jobs that, together, give every swept key each of its values (a plain run is one job).

    Not every combination: the settings are checked one by one, and a 2x3x3 grid would compose
    18 configs for what 3 show."""
    plain = [a for a in args if a not in ("-m", "--multirun", "--cfg", "job")]
    parsed = OverridesParser.create().parse_overrides(plain)
    choices = [
        [f"{o.key_or_group}={v}" for v in o.sweep_iterator()] if o.is_sweep_override() else [o.input_line]
        for o in parsed
    ]
    jobs = max(len(values) for values in choices) if choices else 1
    return [[values[i % len(values)] for values in choices] for i in range(jobs)]


def test_the_readme_has_the_commands_this_test_expects():
    assert len(TRAIN) >= 20
    assert {c[0] for c in COMMANDS} >= {"hsi-train", "hsi-map", "hsi-sweep-report", "hsi-data", "pytest", "pip"}


@pytest.mark.parametrize("command", TRAIN, ids=[" ".join(c)[:80] for c in TRAIN])
def test_every_readme_training_command_composes_and_builds(command, indian_pines_gt):
    for overrides in _variants(command[1:]):
        with initialize_config_module("hsi.configs", version_base="1.3"):
            cfg = compose("train", overrides=overrides, return_hydra_config=True)
        check_preprocess_config(cfg)
        build(cfg.trainer, "trainer")
        pre = cfg.preprocess
        build(cfg.model, "model", in_bands=pre.n_components, window=pre.window, num_classes=16)
        split = build(cfg.split, "split")
        if (
            cfg.dataset.get("name") == "indian_pines"
            and indian_pines_gt is not None
            and not cfg.split._target_.endswith("mask_split")
        ):
            parts = split(indian_pines_gt, seed=cfg.split_seed, window=pre.window)
            assert len(parts.train) and len(parts.test)


@pytest.fixture(scope="module")
def indian_pines_gt():
    from conftest import shared_data_dir

    from hsi.data import indian_pines

    root = shared_data_dir()
    if not (root / "indian_pines" / "Indian_pines_gt.mat").is_file():
        return None
    return indian_pines(root=str(root), download=False).load().gt


def test_the_readme_map_predict_and_sweep_report_commands_run(finished_run, tmp_path):
    from synthetic import make_scene

    cube, _ = make_scene(height=30, width=28, seed=4)  # the finished run's 20 bands, unlabelled
    np.save(tmp_path / "flight_2.npy", cube)
    placeholders = {
        EXAMPLE_RUN: str(finished_run),
        EXAMPLE_SWEEP: str(finished_run.parent),
        "flight_2.tif": str(tmp_path / "flight_2.npy"),
    }
    ran = 0
    for command in COMMANDS:
        if command[0] not in ("hsi-map", "hsi-predict", "hsi-sweep-report") or "dataset=custom" in command:
            continue
        args = [placeholders.get(a, a) for a in command[1:]]
        if command[0] == "hsi-map":
            args += ["--out", str(tmp_path / f"maps{ran}")]
        if command[0] == "hsi-predict" and "--out" not in args:
            args += ["--out", str(tmp_path / f"predicted{ran}.tif")]
        result = run_cli(command[0], *args, cwd=tmp_path)
        assert result.returncode == 0, (command, result.stderr)
        ran += 1
    assert ran >= 4


def test_the_readme_data_commands_run(indian_pines_root, tmp_path):
    before = sorted(str(p) for p in indian_pines_root.rglob("*"))
    ran = 0
    for command in COMMANDS:
        if command[0] != "hsi-data" or command[1] == "download":  # downloading needs the internet
            continue
        result = run_cli("hsi-data", *command[1:], cwd=tmp_path, env={"HSI_DATA_DIR": str(indian_pines_root)})
        # salinas: only its ground truth is in the shared data, and the command says so plainly
        assert result.returncode == 0 or "is incomplete" in result.stderr, (command, result.stderr)
        ran += 1
    assert ran >= 3
    assert sorted(str(p) for p in indian_pines_root.rglob("*")) == before  # the data folder is not written


@pytest.mark.slow
def test_the_quick_look_runs_as_written_and_shows_a_real_map(indian_pines_root, tmp_path):
    import json

    (quick,) = [c for c in TRAIN if "experiment=quick" in c]
    run_dir = tmp_path / "quick"
    result = run_cli(*quick, f"hydra.run.dir={run_dir}", cwd=tmp_path, env={"HSI_DATA_DIR": str(indian_pines_root)})
    assert result.returncode == 0, result.stderr
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["overall_accuracy"] > 0.6 and metrics["kappa"] > 0.5  # not one class everywhere
    # README quotes the float32 figure; a CPU with native bf16 trains the quick look in bf16 (other figures).
    quoted = float(re.search(r"experiment=quick .*float32: OA (\d+\.\d)%", README.read_text()).group(1))
    if metrics["protocol"]["training"]["precision"] == "fp32":
        assert abs(100 * metrics["overall_accuracy"] - quoted) <= 0.5, (metrics["overall_accuracy"], quoted)
