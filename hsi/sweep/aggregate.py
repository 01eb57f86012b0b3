"""Summaries of a folder of runs: per group of non-seed settings, mean, spread, intervals, variance study.

A sweep such as ``hsi-train -m model=hybridsn,hybridsn_se split_seed=0,1,2 init_seed=0,1,2`` leaves
one run folder per job. Runs are grouped by their overrides minus the seeds, so each group is
one setting repeated over seeds; failed and unfinished runs are listed, never averaged in.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hsi.run_dir import METRICS as METRICS_FILE
from hsi.run_dir import RunDir
from hsi.sweep.ensemble import ensembles
from hsi.sweep.stats import describe, holm, paired_comparison, variance_components

SEED_KEYS = ("seed", "split_seed", "init_seed", "replicate")
METRICS = (("overall_accuracy", "OA"), ("average_accuracy", "AA"), ("kappa", "kappa"))


@dataclass
class RunRecord:
    path: Path
    status: str  # finished | failed | unfinished
    group: str
    split_seed: int | None
    init_seed: int | None
    replicate: int = 0
    metrics: dict = field(default_factory=dict)
    error: str | None = None


def _override_key(override: str) -> str:
    return override.split("=", 1)[0].lstrip("+~")


def _seeds(overrides: list[str], config: dict) -> tuple[int | None, int | None]:
    values = {_override_key(o): o.split("=", 1)[1] for o in overrides if "=" in o}
    base = values.get("seed", config.get("seed"))

    def pick(name):
        raw = values.get(name, config.get(name))
        if raw is None or (isinstance(raw, str) and raw.startswith("${")):
            raw = base  # split_seed and init_seed follow seed unless given
        return None if raw is None else int(raw)

    return pick("split_seed"), pick("init_seed")


def _replicate(overrides: list[str], config: dict) -> int:
    values = {_override_key(o): o.split("=", 1)[1] for o in overrides if "=" in o}
    return int(values.get("replicate", config.get("replicate", 0)) or 0)


def collect_runs(sweep_dir: Path) -> list[RunRecord]:
    """Every run folder under ``sweep_dir`` (found by its ``.hydra/overrides.yaml``), sorted by path."""
    records = []
    for run_dir in RunDir.find(sweep_dir):
        run, overrides, config = run_dir.path, run_dir.start_overrides() or [], run_dir.start_config()
        group_overrides = sorted(
            o for o in overrides if _override_key(o) not in SEED_KEYS and not _override_key(o).startswith("hydra.")
        )
        group = " ".join(group_overrides) or "(defaults)"
        split_seed, init_seed = _seeds(overrides, config)
        if run_dir.is_finished():
            metrics = run_dir.read_metrics()
            p = metrics.get("protocol", {})
            replicate = p.get("replicate", _replicate(overrides, config))
            records.append(
                RunRecord(
                    run,
                    "finished",
                    group,
                    p.get("split_seed", split_seed),
                    p.get("init_seed", init_seed),
                    replicate,
                    metrics,
                )
            )
        elif (error := run_dir.failure()) is not None:
            records.append(RunRecord(run, "failed", group, split_seed, init_seed, error=error))
        else:
            records.append(
                RunRecord(
                    run,
                    "unfinished",
                    group,
                    split_seed,
                    init_seed,
                    error=f"no {METRICS_FILE}: still running, killed or interrupted",
                )
            )
    return records


def _group_summary(runs: list[RunRecord]) -> dict:
    finished = [r for r in runs if r.status == "finished"]
    out = {
        name: describe([r.metrics[key] for r in finished if r.metrics.get(key) is not None], bounded=name != "kappa")
        for key, name in METRICS
    }
    aa_classes = sorted({r.metrics.get("average_accuracy_classes") for r in finished} - {None})
    out["aa_classes"] = aa_classes  # AA of runs that tested different numbers of classes is not one quantity
    out["train_seconds_mean"] = float(np.mean([r.metrics["train_seconds"] for r in finished])) if finished else math.nan
    leakage = [r.metrics.get("protocol", {}).get("test_pixels_in_training_windows") for r in finished]
    out["leakage_mean"] = float(np.mean(leakage)) if finished and None not in leakage else None
    if finished:
        names = finished[0].metrics["class_names"]
        out["per_class"] = []
        for k, name in enumerate(names):
            # untested runs of a class (accuracy null) are left out, never counted as 0
            values = [r.metrics["per_class"][k]["accuracy"] for r in finished]
            tested = [v for v in values if v is not None]
            out["per_class"].append(
                {
                    "name": name,
                    "runs_tested": len(tested),
                    "mean": float(np.mean(tested)) if tested else None,
                    "std": float(np.std(tested, ddof=1)) if len(tested) > 1 else None,
                }
            )
    out["runs"] = [
        {
            "path": str(r.path),
            "split_seed": r.split_seed,
            "init_seed": r.init_seed,
            "replicate": r.replicate,
            "oa": r.metrics.get("overall_accuracy"),
        }
        for r in finished
    ]
    out["variance_study"] = _variance_study(finished)
    return out


def _variance_study(finished: list[RunRecord]) -> dict | None:
    """The nested split / init (/ replicate) decomposition when the runs fill a balanced design.

    Balanced: at least 2 split seeds, the same number (>= 2) of init seeds under each, and the
    same number of replicates in every (split, init) cell. Init seeds need not be shared
    between splits: they are nested within them.
    """
    cells: dict[tuple, list[float]] = {}
    for r in finished:
        cells.setdefault((r.split_seed, r.init_seed), []).append(r.metrics["overall_accuracy"])
    splits = sorted({s for s, _ in cells})
    inits = {s: sorted(i for t, i in cells if t == s) for s in splits}
    per_split = {len(v) for v in inits.values()}
    replicates = {len(v) for v in cells.values()}
    if len(splits) < 2 or len(per_split) != 1 or min(per_split) < 2 or len(replicates) != 1:
        return None
    grid = np.array([[cells[(s, i)] for i in inits[s]] for s in splits])
    study = variance_components(grid)
    study.update(split_seeds=splits, init_seeds={str(s): inits[s] for s in splits})
    return study


def _tested(run: RunRecord) -> set[int]:
    return {k for k, c in enumerate(run.metrics["per_class"]) if c.get("support", 0) > 0}


def _aa_over(run: RunRecord, classes: list[int]) -> float:
    return float(np.mean([run.metrics["per_class"][k]["accuracy"] for k in classes]))


def _comparisons(groups: dict[str, list[RunRecord]]) -> list[dict]:
    """Paired t-tests of OA, and of AA over the classes tested in every run of both groups."""
    out = []
    for (name_a, runs_a), (name_b, runs_b) in itertools.combinations(groups.items(), 2):
        a = {(r.split_seed, r.init_seed, r.replicate): r for r in runs_a if r.status == "finished"}
        b = {(r.split_seed, r.init_seed, r.replicate): r for r in runs_b if r.status == "finished"}
        shared = sorted(set(a) & set(b))
        if len(shared) < 2:
            continue
        oa = paired_comparison(
            [a[k].metrics["overall_accuracy"] for k in shared], [b[k].metrics["overall_accuracy"] for k in shared]
        )
        common = sorted(set.intersection(*(_tested(r) for k in shared for r in (a[k], b[k]))))
        aa = (
            paired_comparison([_aa_over(a[k], common) for k in shared], [_aa_over(b[k], common) for k in shared])
            if common
            else None
        )
        out.append({"a": name_a, "b": name_b, **oa, "aa_common_classes": len(common), "aa": aa})
    _adjust_for_multiplicity(out)
    return out


def _adjust_for_multiplicity(comparisons: list[dict]) -> None:
    """Holm-adjusted p-values over every test the summary reports (OA and AA of every pair), as ``p_holm``."""
    tests = [*comparisons, *(c["aa"] for c in comparisons if c["aa"] is not None)]
    for test, adjusted in zip(tests, holm([t["p_value"] for t in tests]), strict=True):
        test["p_holm"] = adjusted


def summarise_runs(sweep_dir: Path) -> tuple[dict, list[RunRecord]]:
    """The summary of the runs in ``sweep_dir`` (groups, comparisons, runs not finished), and the runs."""
    sweep_dir = Path(sweep_dir)
    runs = collect_runs(sweep_dir)
    groups: dict[str, list[RunRecord]] = {}
    for r in runs:
        groups.setdefault(r.group, []).append(r)
    summary = {
        "sweep_dir": str(sweep_dir),
        "runs": {"total": len(runs), "finished": sum(r.status == "finished" for r in runs)},
        "groups": {g: _group_summary(rs) for g, rs in groups.items()},
        "comparisons": _comparisons(groups),
        "ensembles": ensembles(groups),
        "not_finished": [
            {"path": str(r.path), "status": r.status, "group": r.group, "error": r.error}
            for r in runs
            if r.status != "finished"
        ],
    }
    return summary, runs
