"""README's default-protocol table is the composed default config, in words."""

from __future__ import annotations

from pathlib import Path

from hydra import compose, initialize_config_module

from hsi.protocol import protocol_table

README = Path(__file__).resolve().parents[1] / "README.md"


def _compose(*overrides):
    with initialize_config_module("hsi.configs", version_base="1.3"):
        return compose("train", overrides=list(overrides))


def test_readme_default_protocol_table_matches_the_composed_config():
    text = README.read_text()
    block = text.split("<!-- default-protocol:start -->\n", 1)[1].split("<!-- default-protocol:end -->", 1)[0]
    assert block == protocol_table(_compose()), "run: python scripts/readme_tables.py --write"


def test_the_table_follows_the_config_it_describes():
    default, paper = protocol_table(_compose()), protocol_table(_compose("trainer=paper"))
    cfg = _compose()
    assert f"batch {cfg.trainer.batch_size}, {cfg.trainer.epochs} epochs" in default
    assert f"peaking at {cfg.trainer.scheduler.max_lr:g}" in default
    assert "constant learning rate 0.001, batch 128, 100 epochs" in paper
    honest = protocol_table(_compose("experiment=honest"))
    assert "balanced spatially disjoint: 8x8 blocks" in honest and "the training pixels only" in honest
