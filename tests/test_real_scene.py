"""The real Indian Pines, end to end: `hsi-train trainer.epochs=2` writes every file a user opens."""

from __future__ import annotations

import json

from cli_helpers import run_cli


def test_two_epochs_on_the_real_scene_write_every_report_file(indian_pines_root, tmp_path):
    run_dir = tmp_path / "run"
    result = run_cli("hsi-train", "trainer.epochs=2", f"hydra.run.dir={run_dir}", cwd=tmp_path,
                     env={"HSI_DATA_DIR": str(indian_pines_root)})
    assert result.returncode == 0, result.stderr
    for name in ["metrics.json", "report.md", "report.html", "per_class.csv", "confusion.png", "curves.png",
                 "checkpoint.pt", "split.npz", "train.log", "maps/overview.png", "maps/prediction.hdr",
                 "maps/predictions.npz"]:
        assert (run_dir / name).is_file(), name
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["dataset"] == "indian_pines" and metrics["split_sizes"] == {"train": 1025, "val": 512, "test": 8712}
    assert metrics["num_parameters"] == 5_122_176
    assert metrics["protocol"]["pca_components"] == 30 and metrics["protocol"]["window"] == 25
    assert metrics["scene_prediction"] == {**metrics["scene_prediction"], "path": "dense", "pixels": 21025}
    assert len(metrics["per_class"]) == 16 and metrics["per_class"][8]["name"] == "Oats"
