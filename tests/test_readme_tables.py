"""README's generated sections are the configs in words; hsi-models writes only its own section."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import run_cli
from hydra import compose, initialize_config_module
from hydra.utils import instantiate

from hsi.formatting import marked_block, replace_marked_block
from hsi.protocol import protocol_table, readme_blocks

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
FILE_OF_SECTION = {"default-protocol": README, "models": README, "model-card": ROOT / "docs" / "models.md"}


def _compose(*overrides):
    with initialize_config_module("hsi.configs", version_base="1.3"):
        return compose("train", overrides=list(overrides))


@pytest.mark.parametrize("name", ["default-protocol", "models", "model-card"])
def test_readme_generated_sections_match_the_configs(name):
    expected = readme_blocks(_compose())[name]
    assert marked_block(FILE_OF_SECTION[name].read_text(), name) == expected, (
        "run: python scripts/readme_tables.py --write"
    )


def test_the_table_follows_the_config_it_describes():
    default, paper = protocol_table(_compose()), protocol_table(_compose("trainer=paper"))
    grid = protocol_table(_compose("trainer=grid"))
    assert "peaking at 0.001, batches of about 64 pixels made of whole 8-pixel tiles of the scene, 20 epochs" in grid
    assert "tiles" not in default
    cfg = _compose()
    assert f"batch {cfg.trainer.batch_size}, {cfg.trainer.epochs} epochs" in default
    assert f"peaking at {cfg.trainer.scheduler.max_lr:g}" in default
    assert "constant learning rate 0.001, batch 128, 100 epochs" in paper
    regularised = protocol_table(_compose("trainer.label_smoothing=0.1", "trainer.augment=d4"))
    assert "epochs, random flips and rotations of each training window, label smoothing 0.1; " in regularised
    assert "smoothing" not in protocol_table(_compose("trainer.label_smoothing=0.0"))
    glorot = protocol_table(_compose("model.init=glorot"))
    assert "| HybridSN, weights started by Glorot's rule (Keras's default) |" in glorot
    assert "| HybridSN |" in protocol_table(_compose("model.init=torch"))
    honest = protocol_table(_compose("experiment=honest"))
    assert "balanced spatially disjoint: 8x8 blocks" in honest and "the training pixels only" in honest


def test_a_marked_block_is_replaced_and_nothing_else():
    text = "intro\n<!-- t:start -->\nold\n<!-- t:end -->\noutro\n"
    assert replace_marked_block(text, "t", "new\n") == "intro\n<!-- t:start -->\nnew\n<!-- t:end -->\noutro\n"
    with pytest.raises(ValueError):
        replace_marked_block("no markers", "t", "x")
    quoted = "prose quotes `<!-- t:start -->` inline\n" + text  # only a marker on its own line counts
    assert marked_block(quoted, "t") == "old\n"
    assert replace_marked_block(quoted, "t", "new\n").endswith("<!-- t:start -->\nnew\n<!-- t:end -->\noutro\n")


def test_a_section_given_twice_is_refused_and_the_file_kept(tmp_path):
    """Two copies of a section cannot both be kept up to date: writing refuses, and says so in one sentence."""
    page = tmp_path / "models.md"
    twice = (
        "<!-- model-card:start -->\na\n<!-- model-card:end -->\n<!-- model-card:start -->\nb\n<!-- model-card:end -->\n"
    )
    page.write_text(twice)
    with pytest.raises(ValueError, match="2 <!-- model-card:start --> sections"):
        marked_block(twice, "model-card")
    refused = run_cli("hsi-models", "--write", str(page), cwd=tmp_path)
    assert refused.returncode == 2 and "has 2 <!-- model-card:start --> sections" in refused.stderr
    assert page.read_text() == twice


def test_the_docs_hold_one_copy_of_every_generated_section():
    sections = {**FILE_OF_SECTION, "model-speed": ROOT / "docs" / "models.md"}
    for name, path in sections.items():
        assert marked_block(path.read_text(), name) is not None, name  # and marked_block refuses a second copy


def test_hsi_models_write_keeps_the_rest_of_the_file_and_refuses_a_file_without_its_section(tmp_path):
    page = tmp_path / "models.md"
    page.write_text("# Study\n\n<!-- model-card:start -->\nstale\n<!-- model-card:end -->\n\n## Hand-written\n")
    result = run_cli("hsi-models", "--write", str(page), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = page.read_text()
    assert text.startswith("# Study\n\n<!-- model-card:start -->\nInput: 25x25") and text.endswith(
        "\n## Hand-written\n"
    )
    assert "| `hybridsn` | 5,122,176 |" in text and "stale" not in text
    plain = tmp_path / "notes.md"
    plain.write_text("# My notes\n")
    refused = run_cli("hsi-models", "--write", str(plain), cwd=tmp_path)
    assert refused.returncode == 2 and "has no <!-- model-card:start -->" in refused.stderr
    assert plain.read_text() == "# My notes\n"


@pytest.mark.slow  # trains every network config for two tiny epochs
def test_hsi_models_speed_measures_every_network_and_writes_only_its_own_section(tmp_path):
    from hsi.models.card import network_config_names
    from hsi.train.predict import choose_path

    page = tmp_path / "models.md"
    hand = "# Speed\n\n<!-- model-card:start -->\nkept\n<!-- model-card:end -->\n"
    page.write_text(hand + "<!-- model-speed:start -->\nstale\n<!-- model-speed:end -->\nHand-written.\n")
    args = ["--speed", "--bands", "15", "--window", "11", "--classes", "4", "--steps", "1", "--scene", "12"]
    result = run_cli("hsi-models", *args, "--write", str(page), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = page.read_text()
    assert text.startswith(hand) and text.endswith("<!-- model-speed:end -->\nHand-written.\n")
    rows = [line.split(" | ") for line in marked_block(text, "model-speed").splitlines() if line.startswith("| `")]
    networks = network_config_names()
    assert [r[0].strip("|` ") for r in rows] == networks
    with initialize_config_module("hsi.configs", version_base="1.3"):
        models = {n: instantiate(compose("train", overrides=[f"model={n}"]).model, 15, 11, 4) for n in networks}
    paths = {n: choose_path(m) for n, m in models.items()}
    for row in rows:
        name, samples, train_ratio, seconds, predict_ratio, path = (c.strip("|` ") for c in row)
        assert float(samples) > 0 and float(seconds) > 0 and path == paths[name]
    assert rows[0][2].strip() == "1.00" and rows[0][4].strip() == "1.00"  # hybridsn against itself


def test_the_speed_table_lists_every_network_config():
    """The measured table cannot be regenerated in a test, but a new config without a measurement fails here."""
    from hsi.models.card import network_config_names

    block = marked_block((ROOT / "docs" / "models.md").read_text(), "model-speed")
    measured = [line.split(" | ")[0].strip("|` ") for line in block.splitlines() if line.startswith("| `")]
    assert measured == network_config_names(), "run: hsi-models --speed --write docs/models.md"


def test_hsi_models_speed_refuses_zero_steps_in_one_sentence(tmp_path):
    page = tmp_path / "page.md"
    result = run_cli("hsi-models", "--speed", "--steps", "0", "--write", str(page), cwd=tmp_path)
    assert result.returncode == 2 and "--steps and --scene must be at least 1" in result.stderr
    assert not page.exists()
