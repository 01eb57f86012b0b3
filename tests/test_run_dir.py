"""The run folder: a Split's saved form round-trips to the pixel; notes and records read back as written."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hsi.errors import UserError
from hsi.run_dir import RunDir
from hsi.splits import Split
from hsi.train.checkpoint import load_checkpoint, save_checkpoint


def test_a_split_survives_a_weights_only_checkpoint_to_the_pixel(tmp_path):
    split = Split(np.array([3, 9]), np.array([4]), np.array([0, 1, 20]), dropped=np.array([7]))
    save_checkpoint(tmp_path / "c.pt", {"split": split.state_dict()})
    back = Split.from_state_dict(load_checkpoint(tmp_path / "c.pt")["split"])
    for part in ("train", "val", "test", "dropped"):
        np.testing.assert_array_equal(getattr(back, part), getattr(split, part))
    masks = back.masks((3, 7))
    assert masks["test"].ravel()[[0, 1, 20]].all() and masks["test"].sum() == 3 and masks["train"][1, 2]


def test_a_split_saved_before_dropped_pixels_were_kept_loads_with_none():
    state = {part: torch.tensor([i]) for i, part in enumerate(("train", "val", "test"))}
    assert Split.from_state_dict(state).dropped.size == 0


def test_failure_notes_and_start_records_read_back(tmp_path):
    run = RunDir(tmp_path / "job")
    assert run.failure() is None and run.start_overrides() is None and run.start_config() == {}
    run.write_failure("it broke", "ValueError", None)
    assert run.failure() == "it broke" and not run.is_finished()
    (run.path / ".hydra").mkdir()
    (run.path / ".hydra" / "overrides.yaml").write_text("- seed=1\n- model=svm\n")
    assert run.start_overrides() == ["seed=1", "model=svm"]
    assert [r.path for r in RunDir.find(tmp_path)] == [run.path]


def test_loading_a_folder_that_is_not_there_says_what_to_give(tmp_path):
    with pytest.raises(UserError, match="is not a folder; give the run folder"):
        RunDir(tmp_path / "nope").load()
