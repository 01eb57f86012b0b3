"""Resumable runs: which settings a resume may change, and the check that it changed no other."""

from __future__ import annotations

from hsi.config import dotted
from hsi.train.options import defaults

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
    "model.block_se": False,
    "model.conv3d": "standard",
    "model.norm3d": "none",
    "model.init": "torch",
    "model.cv_folds": "random",
    "split.partial_validation": False,  # a resumed run reads its saved split, whatever the split code is now
    **{f"trainer.{name}": value for name, value in defaults().items()},  # each option's default is the old behaviour
}
SHOWN_DIFFERENCES = 5  # a refusal lists at most this many differing fields, one per line
COMPARED = ("dataset", "preprocess", "split", "model", "trainer", "split_seed", "init_seed", "deterministic")


def config_differences(saved: dict, current: dict) -> list[str]:
    """Dotted keys whose values differ between two resolved configs, ignoring what may change."""
    a = {**ADDED_LATER, **dotted({k: saved.get(k) for k in COMPARED})}
    b = {**ADDED_LATER, **dotted({k: current.get(k) for k in COMPARED})}
    keys = sorted(set(a) | set(b))
    free = lambda key: any(key == f or key.startswith(f + ".") for f in FREE_TO_CHANGE)  # noqa: E731
    return [f"{k}: {_short(a.get(k))} -> {_short(b.get(k))}" for k in keys if not free(k) and a.get(k) != b.get(k)]


def _short(value, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def refusal_of_changed_settings(saved: dict, current: dict) -> str | None:
    """How to resume, with the settings that differ, when ``current`` changes what ``saved`` ran with; else None."""
    differences = config_differences(saved, current)
    if not differences:
        return None
    shown = differences[:SHOWN_DIFFERENCES]
    more = len(differences) - len(shown)
    return (
        "resume with none of them changed (hsi-train resume=RUN alone takes the overrides of the first start), "
        "or start a new run. Differing (saved -> now):\n"
        + "\n".join(f"  {line}" for line in shown)
        + (f"\n  ... and {more} more" if more else "")
    )
