"""summary.csv and summary.md of a sweep, from the summary that :mod:`hsi.sweep.aggregate` computes."""

from __future__ import annotations

import csv
import io

import numpy as np

from hsi.describe import variance_sentence
from hsi.formatting import pct as _pct
from hsi.formatting import pvalue as _p
from hsi.formatting import undefined as _undefined
from hsi.sweep.aggregate import METRICS
from hsi.sweep.stats import MIN_RUNS_FOR_INTERVAL


def summary_csv(summary: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = ["group", "count"]
    for _, name in METRICS:
        header += [f"{name}_{s}" for s in ("mean", "std", "ci_low", "ci_high", "min", "max")]
    writer.writerow(header + ["train_seconds_mean"])
    for group, g in summary["groups"].items():
        row = [group, g["OA"]["count"]]
        for _, name in METRICS:
            row += [
                "" if _undefined(g[name][s]) else f"{g[name][s]:.6f}"
                for s in ("mean", "std", "ci_low", "ci_high", "min", "max")
            ]
        writer.writerow(row + [f"{g['train_seconds_mean']:.2f}"])
    return out.getvalue()


def _interval(d: dict) -> str:
    if d["count"] < MIN_RUNS_FOR_INTERVAL:
        return f"n < {MIN_RUNS_FOR_INTERVAL}"
    return f"[{_pct(d['ci_low'])}, {_pct(d['ci_high'])}]"


def ensemble_lines(ensembles: list[dict]) -> list[str]:
    """The members of each group and split averaged, against the members themselves."""
    if not ensembles:
        return []
    lines = [
        "",
        "## Ensembles (the members' probabilities averaged, per group and split seed)",
        "",
        "| group | split seed | members | ensemble OA (%) | members' OA: mean, best (%) | ensemble AA (%) "
        "| members' AA mean (%) | test pixels |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for e in ensembles:
        if "note" in e:
            seed = "-" if e["split_seed"] is None else e["split_seed"]
            lines.append(f"| `{e['group']}` | {seed} | {e['members']} | {e['note']} | | | | |")
            continue
        oa, aa = e["members_overall_accuracy"], e["members_average_accuracy"]
        lines.append(
            f"| `{e['group']}` | {e['split_seed']} | {e['members']} | {_pct(e['overall_accuracy'])} | "
            f"{_pct(float(np.mean(oa)))}, {_pct(max(oa))} | {_pct(e['average_accuracy'])} | "
            f"{_pct(float(np.mean(aa)))} | {e['test_pixels']} |"
        )
    return lines


def summary_markdown(summary: dict) -> str:
    lines = [
        f"# Sweep summary: {summary['runs']['finished']} of {summary['runs']['total']} runs finished",
        "",
        "| group | runs | OA mean ± std (%) | OA 95% CI | AA mean ± std (%) | AA over (classes) "
        "| kappa mean ± std (x100) | train s | test px in training windows (%) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for group, g in summary["groups"].items():
        oa, aa, k = g["OA"], g["AA"], g["kappa"]
        lines.append(
            f"| `{group}` | {oa['count']} | {_pct(oa['mean'])} ± {_pct(oa['std'])} | "
            f"{_interval(oa)} | {_pct(aa['mean'])} ± {_pct(aa['std'])} | "
            f"{', '.join(map(str, g.get('aa_classes', []))) or 'n/a'} | "
            f"{_pct(k['mean'])} ± {_pct(k['std'])} | {g['train_seconds_mean']:.1f} | {_pct(g['leakage_mean'])} |"
        )
    studies = [(g, s["variance_study"]) for g, s in summary["groups"].items() if s["variance_study"]]
    if studies:
        lines += ["", "## Why results differ", ""]
        for group, study in studies:
            lines.append(variance_sentence(group, study))
            lines.append("")
    lines += ensemble_lines(summary.get("ensembles", []))
    if summary["comparisons"]:
        lines += [
            "",
            "## Paired comparisons (runs sharing split and init seeds)",
            "",
            "p: paired t-test; Holm: the same adjusted for all the tests of this table (OA and AA of every pair).",
            "",
            "| a | b | pairs | mean OA difference b - a (points) | p | Holm "
            "| mean AA difference over the classes both tested (points) | classes | p | Holm |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for c in summary["comparisons"]:
            aa = c.get("aa") or {"mean_difference": None, "p_value": None, "p_holm": None}
            aa_diff = "n/a" if aa["mean_difference"] is None else f"{100 * aa['mean_difference']:+.2f}"
            lines.append(
                f"| `{c['a']}` | `{c['b']}` | {c['pairs']} | {100 * c['mean_difference']:+.2f} | "
                f"{_p(c['p_value'])} | {_p(c.get('p_holm'))} | {aa_diff} | {c.get('aa_common_classes', 'n/a')} | "
                f"{_p(aa['p_value'])} | {_p(aa.get('p_holm'))} |"
            )
    if summary["not_finished"]:
        lines += ["", "## Runs not included", "", "| run | status | error |", "|---|---|---|"]
        for r in summary["not_finished"]:
            lines.append(f"| {r['path']} | {r['status']} | {r['error']} |")
    return "\n".join(lines) + "\n"
