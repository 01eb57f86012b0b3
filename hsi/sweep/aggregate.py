"""Summaries of a folder of runs: per group of non-seed settings, mean, spread, intervals, variance study.

A sweep such as ``hsi-train -m model=hybridsn,hybridsn_se split_seed=0,1,2 init_seed=0,1,2`` leaves
one run folder per job. Runs are grouped by their overrides minus the seeds, so each group is
one setting repeated over seeds; failed and unfinished runs are listed, never averaged in.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from hsi.report import write_atomically
from hsi.sweep.stats import describe, paired_comparison, variance_components

SEED_KEYS = ("seed", "split_seed", "init_seed")
METRICS = (("overall_accuracy", "OA"), ("average_accuracy", "AA"), ("kappa", "kappa"))
FAILED_NAME = "failed.json"


@dataclass
class RunRecord:
    path: Path
    status: str  # finished | failed | unfinished
    group: str
    split_seed: int | None
    init_seed: int | None
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


def collect_runs(sweep_dir: Path) -> list[RunRecord]:
    """Every run folder under ``sweep_dir`` (found by its ``.hydra/overrides.yaml``), sorted by path."""
    records = []
    for overrides_file in sorted(Path(sweep_dir).rglob(".hydra/overrides.yaml")):
        run = overrides_file.parent.parent
        overrides = yaml.safe_load(overrides_file.read_text()) or []
        config_file = run / ".hydra" / "config.yaml"
        config = yaml.safe_load(config_file.read_text()) if config_file.is_file() else {}
        group_overrides = sorted(o for o in overrides
                                 if _override_key(o) not in SEED_KEYS and not _override_key(o).startswith("hydra."))
        group = " ".join(group_overrides) or "(defaults)"
        split_seed, init_seed = _seeds(overrides, config)
        if (run / "metrics.json").is_file():
            metrics = json.loads((run / "metrics.json").read_text())
            p = metrics.get("protocol", {})
            records.append(RunRecord(run, "finished", group, p.get("split_seed", split_seed),
                                     p.get("init_seed", init_seed), metrics))
        elif (run / FAILED_NAME).is_file():
            error = json.loads((run / FAILED_NAME).read_text()).get("error", "unknown error")
            records.append(RunRecord(run, "failed", group, split_seed, init_seed, error=error))
        else:
            records.append(RunRecord(run, "unfinished", group, split_seed, init_seed,
                                     error="no metrics.json: still running, killed or interrupted"))
    return records


def _group_summary(runs: list[RunRecord]) -> dict:
    finished = [r for r in runs if r.status == "finished"]
    out = {name: describe([r.metrics[key] for r in finished]) for key, name in METRICS}
    out["train_seconds_mean"] = float(np.mean([r.metrics["train_seconds"] for r in finished])) if finished else math.nan
    leakage = [r.metrics.get("protocol", {}).get("test_pixels_in_training_windows") for r in finished]
    out["leakage_mean"] = float(np.mean(leakage)) if finished and None not in leakage else None
    if finished:
        names = finished[0].metrics["class_names"]
        per_class = np.array([[c["accuracy"] for c in r.metrics["per_class"]] for r in finished])
        out["per_class"] = [
            {"name": n, "mean": float(per_class[:, k].mean()),
             "std": float(per_class[:, k].std(ddof=1)) if len(finished) > 1 else math.nan}
            for k, n in enumerate(names)
        ]
    out["runs"] = [{"path": str(r.path), "split_seed": r.split_seed, "init_seed": r.init_seed,
                    "oa": r.metrics.get("overall_accuracy")} for r in finished]
    out["variance_study"] = _variance_study(finished)
    return out


def _variance_study(finished: list[RunRecord]) -> dict | None:
    """The split/init decomposition when the runs fill a split_seed x init_seed grid, once per cell."""
    splits = sorted({r.split_seed for r in finished})
    inits = sorted({r.init_seed for r in finished})
    cells = {(r.split_seed, r.init_seed): r.metrics["overall_accuracy"] for r in finished}
    if len(splits) < 2 or len(inits) < 2 or len(cells) != len(finished) or len(cells) != len(splits) * len(inits):
        return None
    grid = np.array([[cells[(s, i)] for i in inits] for s in splits])
    study = variance_components(grid)
    study.update(split_seeds=splits, init_seeds=inits)
    return study


def variance_sentence(group: str, study: dict) -> str:
    s = study["shares"]
    i, j = study["grid_shape"]
    return (f"In `{group}`, of the run-to-run variance of OA ({i} split seeds x {j} init seeds), "
            f"{100 * s['split']:.0f}% comes from the split of training pixels, "
            f"{100 * s['init']:.0f}% from the initialisation and batch order, "
            f"and {100 * s['residual']:.0f}% is neither alone (their interaction and noise).")


def _comparisons(groups: dict[str, list[RunRecord]]) -> list[dict]:
    out = []
    for (name_a, runs_a), (name_b, runs_b) in itertools.combinations(groups.items(), 2):
        a = {(r.split_seed, r.init_seed): r.metrics["overall_accuracy"] for r in runs_a if r.status == "finished"}
        b = {(r.split_seed, r.init_seed): r.metrics["overall_accuracy"] for r in runs_b if r.status == "finished"}
        shared = sorted(set(a) & set(b))
        if len(shared) < 2:
            continue
        test = paired_comparison([a[k] for k in shared], [b[k] for k in shared])
        out.append({"a": name_a, "b": name_b, **test})
    return out


def summarise_sweep(sweep_dir: Path) -> dict:
    """Write summary.json, summary.csv, summary.md and summary.png into ``sweep_dir``; return the summary."""
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
        "not_finished": [{"path": str(r.path), "status": r.status, "group": r.group, "error": r.error}
                         for r in runs if r.status != "finished"],
    }
    write_atomically(sweep_dir / "summary.json", json.dumps(summary, indent=2, default=_json_default) + "\n")
    write_atomically(sweep_dir / "summary.csv", _csv(summary))
    write_atomically(sweep_dir / "summary.md", _markdown(summary))
    if summary["runs"]["finished"]:
        from hsi.sweep.plot import plot_summary

        plot_summary(sweep_dir / "summary.png", summary)
    from hsi.pages import write_sweep_page

    write_sweep_page(sweep_dir, summary, runs)
    return summary


def _json_default(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _csv(summary: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = ["group", "count"]
    for _, name in METRICS:
        header += [f"{name}_{s}" for s in ("mean", "std", "ci_low", "ci_high", "min", "max")]
    writer.writerow(header + ["train_seconds_mean"])
    for group, g in summary["groups"].items():
        row = [group, g["OA"]["count"]]
        for _, name in METRICS:
            row += [f"{g[name][s]:.6f}" for s in ("mean", "std", "ci_low", "ci_high", "min", "max")]
        writer.writerow(row + [f"{g['train_seconds_mean']:.2f}"])
    return out.getvalue()


def _pct(x: float) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.2f}"


def _markdown(summary: dict) -> str:
    lines = [f"# Sweep summary: {summary['runs']['finished']} of {summary['runs']['total']} runs finished", "",
             "| group | runs | OA mean ± std (%) | OA 95% CI | AA mean ± std (%) | kappa mean ± std (x100) | train s "
             "| test px in training windows (%) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for group, g in summary["groups"].items():
        oa, aa, k = g["OA"], g["AA"], g["kappa"]
        lines.append(
            f"| `{group}` | {oa['count']} | {_pct(oa['mean'])} ± {_pct(oa['std'])} | "
            f"[{_pct(oa['ci_low'])}, {_pct(oa['ci_high'])}] | {_pct(aa['mean'])} ± {_pct(aa['std'])} | "
            f"{_pct(k['mean'])} ± {_pct(k['std'])} | {g['train_seconds_mean']:.1f} | {_pct(g['leakage_mean'])} |")
    studies = [(g, s["variance_study"]) for g, s in summary["groups"].items() if s["variance_study"]]
    if studies:
        lines += ["", "## Why results differ", ""]
        for group, study in studies:
            lines.append(variance_sentence(group, study))
            lines.append("")
    if summary["comparisons"]:
        lines += ["", "## Paired comparisons (runs sharing split and init seeds)", "",
                  "| a | b | pairs | mean OA difference b - a (points) | p (paired t) |", "|---|---|---:|---:|---:|"]
        for c in summary["comparisons"]:
            p = "n/a" if math.isnan(c["p_value"]) else f"{c['p_value']:.3g}"
            lines.append(f"| `{c['a']}` | `{c['b']}` | {c['pairs']} | {100 * c['mean_difference']:+.2f} | {p} |")
    if summary["not_finished"]:
        lines += ["", "## Runs not included", "", "| run | status | error |", "|---|---|---|"]
        for r in summary["not_finished"]:
            lines.append(f"| {r['path']} | {r['status']} | {r['error']} |")
    return "\n".join(lines) + "\n"
