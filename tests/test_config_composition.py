"""How the configs compose: what an experiment file may set, and what the primary config keeps."""

from __future__ import annotations

import pytest
from hydra import compose, initialize_config_module


def _compose(*overrides):
    with initialize_config_module("hsi.configs", version_base="1.3"):
        return compose("train", overrides=list(overrides))


def test_an_experiment_file_overrides_top_level_keys(tmp_path):
    # A user's experiment beside the shipped ones (the search path is how users add their own).
    (tmp_path / "experiment").mkdir()
    (tmp_path / "experiment" / "mine.yaml").write_text(
        "# @package _global_\nseed: 7\ndeterministic: true\nmaps:\n  enabled: false\n"
    )
    cfg = _compose(f"hydra.searchpath=[file://{tmp_path}]", "experiment=mine")
    assert cfg.seed == 7 and cfg.split_seed == 7 and cfg.init_seed == 7
    assert cfg.deterministic is True
    assert cfg.maps.enabled is False


def test_the_command_line_still_wins_over_an_experiment(tmp_path):
    (tmp_path / "experiment").mkdir()
    (tmp_path / "experiment" / "mine.yaml").write_text("# @package _global_\nseed: 7\n")
    cfg = _compose(f"hydra.searchpath=[file://{tmp_path}]", "experiment=mine", "seed=3")
    assert cfg.seed == 3


def test_without_an_experiment_the_primary_defaults_hold():
    cfg = _compose()
    assert cfg.seed == 0 and cfg.maps.enabled is True and cfg.deterministic is False


def test_help_lists_the_groups_their_options_the_common_overrides_and_the_other_commands(tmp_path):
    from cli_helpers import run_cli

    from hsi.models.card import model_config_names

    result = run_cli("hsi-train", "--help", cwd=tmp_path)
    assert result.returncode == 0
    text = result.stdout
    assert "model: " + ", ".join(model_config_names()) in text
    assert (
        "experiment: honest, parallel_cpu, quick" in text
        and "split: disjoint, fields, masks, per_class, random" in text
    )
    for other in ("hsi-map RUN_DIR", "hsi-sweep-report", "hsi-models", "hsi-data", "resume=RUN_DIR"):
        assert other in text
    assert "Powered by Hydra" not in text  # our page, not Hydra's generic one


@pytest.mark.parametrize("command", ["hsi-models", "hsi-predict", "hsi-map", "hsi-sweep-report", "hsi-data"])
def test_the_other_commands_help_is_plain_text(tmp_path, command):
    from cli_helpers import run_cli

    result = run_cli(command, "--help", cwd=tmp_path)
    assert result.returncode == 0 and command in result.stdout
    assert "``" not in result.stdout and ":mod:" not in result.stdout  # reStructuredText stays in the source


def test_the_honest_experiment_folds_the_svm_search_by_regions_of_training_pixels():
    from hsi.config import build

    assert _compose("model=svm").model.cv_folds == "random"
    honest = _compose("experiment=honest", "model=svm")
    assert honest.model.cv_folds == "regions" and honest.split._target_.endswith("spatially_disjoint_split")
    svm = build(honest.model, "model", in_bands=30, window=25, num_classes=16)
    assert svm.wants_training_regions
    assert _compose("experiment=honest", "split=fields", "model=svm").model.cv_folds == "regions"


def test_the_unseen_preset_is_the_honest_protocol_with_the_smoothed_svm():
    cfg = _compose("experiment=unseen")
    assert cfg.split._target_.endswith("spatially_disjoint_split") and cfg.preprocess.fit_scope == "train"
    assert cfg.model._target_ == "hsi.models.SpectralSVM" and cfg.cv_folds == "regions"
    smoothing = {"size": 20, "compactness": 0.1, "components": 3}
    assert dict(cfg.segments) == {**smoothing, "input_size": None, "input_mode": "stack"}
    assert cfg.self_training.share is None
    fields = _compose("experiment=unseen", "split=fields")
    assert fields.split._target_.endswith("field_split") and fields.segments.size == 20
    default = _compose()
    assert default.segments.size is None and default.segments.input_size is None  # the default run does neither
    assert default.self_training.share is None
