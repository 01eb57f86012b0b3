"""The ensemble of each split's members against the members themselves, paired by split.

    python studies/ensembles.py outputs/study/ensemble5 outputs/study/ensemble5x5 \
        --csv studies/ensemble5x5/per_split.csv

For every split seed with two or more finished members (runs that differ only in their init seed),
the members' saved probabilities are averaged (:func:`hsi.sweep.ensemble.ensemble_of`, the same
ensemble ``hsi-sweep-report`` gives) and scored on the split's test pixels. The split is the unit:
within a split the ensemble and its members see the same test pixels, across splits they do not,
so each comparison is a paired t-test over splits (scipy's ``ttest_1samp`` of the per-split
differences), with its 95% t-interval, and the page's four tests are Holm-adjusted. "One run" is
the member of init seed 0: what a user who trains once gets.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np
from scipy import stats

from hsi.sweep.aggregate import collect_runs
from hsi.sweep.ensemble import ensemble_of, members_by_split
from hsi.sweep.stats import holm

FIELDS = [
    "split_seed", "members", "test_pixels", "ensemble_oa", "members_oa_mean", "members_oa_best", "one_run_oa",
    "ensemble_aa", "members_aa_mean", "one_run_aa", "members_train_seconds", "one_run_train_seconds",
]  # fmt: skip


def splits(folders: list[Path]) -> dict[int, list]:
    """Each split seed's members (:func:`hsi.sweep.ensemble.members_by_split`) over all ``folders``, in
    split-seed order, each split's in init-seed order."""
    shared = members_by_split([run for folder in folders for run in collect_runs(folder)])
    return {seed: sorted(runs, key=lambda run: run.init_seed) for seed, runs in sorted(shared.items())}


def split_rows(folders: list[Path]) -> list[dict]:
    """One row per split seed: the ensemble's OA/AA, its members' mean and best, the init-0 member's, and
    the members' training seconds."""
    rows = []
    for seed, members in splits(folders).items():
        ensemble = ensemble_of(members)
        if "note" in ensemble:
            raise SystemExit(f"split seed {seed}: {ensemble['note']}")
        first = members[0]
        oa, aa = ensemble["members_overall_accuracy"], ensemble["members_average_accuracy"]
        rows.append({
            "split_seed": seed, "members": len(members), "test_pixels": ensemble["test_pixels"],
            "ensemble_oa": ensemble["overall_accuracy"], "members_oa_mean": float(np.mean(oa)),
            "members_oa_best": max(oa), "one_run_oa": first.metrics["overall_accuracy"],
            "ensemble_aa": ensemble["average_accuracy"], "members_aa_mean": float(np.mean(aa)),
            "one_run_aa": first.metrics["average_accuracy"],
            "members_train_seconds": sum(r.metrics["train_seconds"] for r in members),
            "one_run_train_seconds": first.metrics["train_seconds"],
        })  # fmt: skip
    return rows


def comparisons(rows: list[dict]) -> list[dict]:
    """The ensemble against the members' mean and against one run, in OA and AA: mean paired difference
    (points), its 95% t-interval over splits, raw and Holm-adjusted p-values, splits where it gained."""
    out = []
    for metric in ("oa", "aa"):
        for against, key in (
            ("the members' mean", f"members_{metric}_mean"),
            ("one run (init seed 0)", f"one_run_{metric}"),
        ):
            diff = np.array([r[f"ensemble_{metric}"] - r[key] for r in rows]) * 100
            test = stats.ttest_1samp(diff, 0.0)
            low, high = test.confidence_interval(0.95)
            out.append({
                "metric": metric.upper(), "against": against, "mean": diff.mean(), "low": low, "high": high,
                "p": test.pvalue, "gained": int((diff > 0).sum()), "splits": len(diff),
            })  # fmt: skip
    for entry, adjusted in zip(out, holm([c["p"] for c in out]), strict=True):
        entry["p_holm"] = adjusted
    return out


def by_size(folders: list[Path]) -> list[tuple[int, float, float]]:
    """Mean OA and AA over the splits of the ensemble of each split's first ``k`` members (by init seed),
    for every ``k`` from one run up to all members: how much of the gain the first few members bring."""
    members = list(splits(folders).values())
    out = [
        (
            1,
            np.mean([m[0].metrics["overall_accuracy"] for m in members]),
            np.mean([m[0].metrics["average_accuracy"] for m in members]),
        )
    ]
    for k in range(2, min(len(m) for m in members) + 1):
        scores = [ensemble_of(m[:k]) for m in members]
        out.append(
            (k, np.mean([e["overall_accuracy"] for e in scores]), np.mean([e["average_accuracy"] for e in scores]))
        )
    return out


def print_tables(rows: list[dict]) -> None:
    head = (
        "| split seed | members | ensemble OA (%) | members' OA: mean, best (%) | one run's OA (%) | ensemble AA (%) "
        "| members' AA mean (%) | one run's AA (%) | members' training (s) | one run's training (s) |"
    )
    print(head)
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['split_seed']} | {r['members']} | **{100 * r['ensemble_oa']:.2f}** | "
            f"{100 * r['members_oa_mean']:.2f}, {100 * r['members_oa_best']:.2f} | {100 * r['one_run_oa']:.2f} | "
            f"**{100 * r['ensemble_aa']:.2f}** | {100 * r['members_aa_mean']:.2f} | {100 * r['one_run_aa']:.2f} | "
            f"{r['members_train_seconds']:.0f} | {r['one_run_train_seconds']:.0f} |"
        )
    print("\n| ensemble against | metric | mean paired difference (points) | 95% t-interval | gained in | p (Holm) |")
    print("|---|---|---:|---|---:|---:|")
    for c in comparisons(rows):
        print(
            f"| {c['against']} | {c['metric']} | {c['mean']:+.2f} | [{c['low']:+.2f}, {c['high']:+.2f}] | "
            f"{c['gained']} of {c['splits']} splits | {c['p_holm']:.3g} |"
        )
    cost = [r["members_train_seconds"] / r["one_run_train_seconds"] for r in rows]
    print(
        f"\nTraining cost: the members took {np.median(cost):.2f}x the time of one run (median over the splits; "
        f"range {min(cost):.2f}-{max(cost):.2f}x)."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", type=Path, help="sweep folders whose runs share split seeds")
    parser.add_argument("--csv", type=Path, help="also write one row per split seed here")
    args = parser.parse_args()
    rows = split_rows(args.folders)
    if len(rows) < 2:
        raise SystemExit("need two or more split seeds with two or more finished members each")
    print_tables(rows)
    print("\n| members averaged (init seeds from 0) | mean OA over the splits (%) | mean AA (%) |")
    print("|---:|---:|---:|")
    for k, oa, aa in by_size(args.folders):
        print(f"| {k} | {100 * oa:.2f} | {100 * aa:.2f} |")
    if args.csv:
        args.csv.parent.mkdir(parents=True, exist_ok=True)
        with args.csv.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, FIELDS)
            writer.writeheader()
            writer.writerows(rows)


if __name__ == "__main__":
    main()
