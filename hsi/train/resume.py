"""Resumable runs: what an interrupted run saves, and the check that a resume matches it."""

from __future__ import annotations

import json
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from hsi.errors import UserError
from hsi.files import write_atomically
from hsi.train.checkpoint import load_checkpoint, save_checkpoint

RESUME_NAME = "resume.pt"
INCOMPLETE_NAME = "incomplete.json"
# Settings a resumed run may change: where it runs, how fast, and the pointer to resume itself.
FREE_TO_CHANGE = {
    "resume",
    "trainer.resume",
    "trainer.device",
    "trainer.threads",
    "trainer.eval_batch_size",
    "maps",
    "data_root",
    "dataset.root",
    "dataset.download",
    "dataset.timeout",
    "hydra",
    "experiment",
}
# Settings added after runs could first be interrupted, with the value that does what the code did before
# them: a config without the key compares as if it held that value, so an older run still resumes.
# (A setting added with a null default needs no entry: a missing key reads as None too.)
ADDED_LATER = {
    "trainer.val_every": 1,
    "trainer.tta": False,
    "trainer.label_smoothing": 0.0,
    "model.block_se": False,
    "model.conv3d": "standard",
    "model.norm3d": "none",
    "model.init": "torch",
    "trainer.batches": "windows",
}
SHOWN_DIFFERENCES = 5  # a refusal lists at most this many differing fields, one per line
COMPARED = ("dataset", "preprocess", "split", "model", "trainer", "split_seed", "init_seed", "deterministic")


def _flatten(node, prefix: str = "") -> dict:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            out.update(_flatten(value, f"{prefix}{key}."))
        return out
    return {prefix[:-1]: node}


def config_differences(saved: dict, current: dict) -> list[str]:
    """Dotted keys whose values differ between two resolved configs, ignoring what may change."""
    a = {**ADDED_LATER, **_flatten({k: saved.get(k) for k in COMPARED})}
    b = {**ADDED_LATER, **_flatten({k: current.get(k) for k in COMPARED})}
    keys = sorted(set(a) | set(b))
    free = lambda key: any(key == f or key.startswith(f + ".") for f in FREE_TO_CHANGE)  # noqa: E731
    return [f"{k}: {_short(a.get(k))} -> {_short(b.get(k))}" for k in keys if not free(k) and a.get(k) != b.get(k)]


def _short(value, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def load_resume_state(cfg: DictConfig) -> dict:
    """The saved state of the run folder ``cfg.resume``, refused when its config differs from ``cfg``."""
    run_dir = Path(cfg.resume)
    path = run_dir / RESUME_NAME
    if not path.is_file():
        finished = (run_dir / "metrics.json").is_file()
        raise UserError(
            f"{run_dir} has no {RESUME_NAME}: "
            + (
                "it is a finished run, nothing to resume."
                if finished
                else "only a run stopped by Ctrl-C or SIGTERM can be resumed."
            )
        )
    state = load_checkpoint(path)
    current = OmegaConf.to_container(cfg, resolve=True)
    differences = config_differences(state["config"], current)
    if differences:
        shown = differences[:SHOWN_DIFFERENCES]
        more = len(differences) - len(shown)
        raise UserError(
            f"{path} was saved with other settings; resume with none of them changed (hsi-train resume=RUN "
            "alone takes the overrides of the first start), or start a new run. Differing (saved -> now):\n"
            + "\n".join(f"  {line}" for line in shown)
            + (f"\n  ... and {more} more" if more else "")
        )
    return state


def save_interrupted_run(run_dir: Path, payload: dict, epoch: int, epochs: int) -> None:
    """``resume.pt`` plus a note that marks the run incomplete (no metrics.json: never counted as finished)."""
    run_dir = Path(run_dir)
    save_checkpoint(run_dir / RESUME_NAME, payload)
    note = {"status": "interrupted", "epochs_done": epoch, "epochs": epochs, "resume": f"hsi-train resume={run_dir}"}
    write_atomically(run_dir / INCOMPLETE_NAME, json.dumps(note, indent=2) + "\n")
    write_atomically(
        run_dir / "report.md",
        (
            f"# INCOMPLETE: interrupted after epoch {epoch} of {epochs}\n\n"
            f"No accuracy figures yet. Continue the run with\n\n    hsi-train resume={run_dir}\n\n"
            "(the overrides of the first start come from the run folder); it picks up from the end of that epoch.\n"
        ),
    )
