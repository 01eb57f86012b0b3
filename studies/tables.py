"""Markdown tables and CSVs for docs/ and README, written from the run folders of studies/run.sh
(and, for `throughput`, from the JSON reports of `python -m benchmarks.benchmark`).

    python studies/tables.py honest outputs/study/honest/w11 outputs/study/honest/w15 ...
    python studies/tables.py seeds outputs/study/random outputs/study/random34
    python studies/tables.py paired outputs/study/default outputs/study/grid_default
    python studies/tables.py paired outputs/study/variants25_rest outputs/study/bn_grid25 --model hybridsn_r21d
    python studies/tables.py paired outputs/study/variants25 outputs/study/bn_lr25 --base-model hybridsn \
        --model hybridsn_sep3d
    python studies/tables.py grid outputs/study/grid11
    python studies/tables.py recipe outputs/study/recipe/default outputs/study/recipe/epochs20
    python studies/tables.py early outputs/study/init11
    python studies/tables.py overhead outputs/study/default
    python studies/tables.py variants outputs/study/variants11 --figure docs/figures/variants11.png
    python studies/tables.py variants outputs/study/variants11_honest outputs/study/variants11_honest_more
    python studies/tables.py runs outputs/study/variance25 --csv studies/variance25/results.csv
    python studies/tables.py throughput studies/throughput/*.json --csv studies/throughput/results.csv
    python studies/tables.py validation outputs/study/unseen_select/disjoint_cnn1d
    python studies/tables.py confusions outputs/study/unseen_report/*
    python studies/tables.py unseen studies/unseen/report.csv studies/unseen/report15.csv

Every number comes from the runs' metrics.json files; untested classes are shown as such and
left out of means, never counted as 0.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
from pathlib import Path

import numpy as np
import yaml
from scipy import stats

from hsi.describe import variance_sentence
from hsi.maps.scene_maps import PREDICTIONS_NPZ
from hsi.run_dir import MAPS, SPLIT_NPZ
from hsi.sweep.aggregate import collect_runs
from hsi.sweep.ensemble import scene_truth
from hsi.sweep.stats import describe, holm, paired_comparison, variance_components


def _finished(folder: Path):
    return [r for r in collect_runs(folder) if r.status == "finished"]


def _model(run) -> str:
    return run.metrics["model"]


def _pm(values: list[float], scale: float = 100.0) -> str:
    d = describe(values)
    std = "" if math.isnan(d["std"]) else f" ± {scale * d['std']:.2f}"
    return f"{scale * d['mean']:.2f}{std}"


SPLIT_KINDS = {"spatially_disjoint_split": "disjoint", "field_split": "fields"}


def _kind_of_target(target) -> str:
    """``disjoint`` or ``fields`` for the split's ``_target_`` (its function's name for any other split)."""
    name = str(target).rsplit(".", 1)[-1]
    return SPLIT_KINDS.get(name, name)


def _split_kind(run) -> str:
    return _kind_of_target(run.metrics["protocol"]["split"].get("_target_", "?"))


def _by_split_window_and_model(folders: list[Path]) -> dict[tuple[str, int, str], list]:
    """Finished runs grouped by (split kind, window, model): runs of one kind and window share their splits."""
    groups: dict[tuple[str, int, str], list] = {}
    for folder in folders:
        for r in _finished(folder):
            groups.setdefault((_split_kind(r), r.metrics["protocol"]["window"], _model(r)), []).append(r)
    return groups


def _honest_rows(groups: dict[tuple[str, int, str], list]) -> None:
    print(
        "| split | window | model | runs | classes tested | OA (%) | AA over tested classes (%) | kappa (x100) | "
        "labelled pixels dropped (%) | test pixels in a training field (%) |"
    )
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for (kind, window, model), rs in sorted(groups.items()):
        p = [r.metrics["protocol"] for r in rs]
        tested = sorted({r.metrics["average_accuracy_classes"] for r in rs})
        print(
            f"| {kind} | {window} | {model} | {len(rs)} | {', '.join(map(str, tested))} | "
            f"{_pm([r.metrics['overall_accuracy'] for r in rs])} | "
            f"{_pm([r.metrics['average_accuracy'] for r in rs])} | {_pm([r.metrics['kappa'] for r in rs])} | "
            f"{100 * np.mean([q['labelled_pixels_dropped'] for q in p]):.1f} | "
            f"{100 * np.mean([q.get('test_pixels_in_training_fields', math.nan) for q in p]):.1f} |"
        )


def _honest_pairs(groups: dict[tuple[str, int, str], list]) -> None:
    print("\nPaired over split seeds (the same splits for every model of a split kind and window):\n")
    print(
        "| split | window | b - a | seeds | mean OA difference (points) | p (paired t) | "
        "p, Holm-adjusted over the table |"
    )
    print("|---|---:|---|---:|---:|---:|---:|")
    rows = []
    for key_a, key_b in itertools.combinations(sorted(groups), 2):
        if key_a[:2] != key_b[:2]:
            continue
        a = {r.split_seed: r.metrics["overall_accuracy"] for r in groups[key_a]}
        b = {r.split_seed: r.metrics["overall_accuracy"] for r in groups[key_b]}
        shared = sorted(set(a) & set(b))
        if len(shared) >= 2:
            t = paired_comparison([a[s] for s in shared], [b[s] for s in shared])
            rows.append((*key_a[:2], f"{key_b[2]} - {key_a[2]}", len(shared), t["mean_difference"], t["p_value"]))
    for row, adjusted in zip(rows, holm([r[5] for r in rows]), strict=True):
        p, q = ("n/a" if math.isnan(x) else f"{x:.3g}" for x in (row[5], adjusted))
        print(f"| {row[0]} | {row[1]} | {row[2]} | {row[3]} | {100 * row[4]:+.2f} | {p} | {q} |")


def _with(model: str, segment_size, spectral_scale, spectral_noise) -> str:
    """A model's name in the unseen-ground tables: with its segment smoothing and its spectral augmentation."""
    augmented = (
        f" + spectral scale {spectral_scale}, noise {spectral_noise}" if spectral_scale or spectral_noise else ""
    )
    return model + augmented + (f" + segments of {segment_size} px" if segment_size else "")


def _label(run) -> str:
    """The model, and its segment smoothing and spectral augmentation where the run used them."""
    training = run.metrics["protocol"]["training"]
    segments = training.get("segments")
    scale, noise = training.get("spectral_scale"), training.get("spectral_noise")
    return _with(_model(run), segments["size"] if segments else None, scale, noise)


SPECTRAL_BASELINES = ("spectral_cnn1d", "svm")  # models of single spectra without smoothing


def _unseen_key(kind: str, window: int, splits_of: int, label: str) -> tuple[str, int, str]:
    """Runs of one split kind and split window share their splits (the buffer follows the split's window, not
    the model's), so they are grouped by that window, and a model of smaller windows says so in its label."""
    return kind, splits_of, label + (f" ({window}x{window} windows)" if window != splits_of else "")


def _unseen_runs_of_folder(folder: Path):
    for r in _finished(folder):
        protocol = r.metrics["protocol"]
        window, splits_of = protocol["window"], protocol.get("split_window", protocol["window"])
        yield _unseen_key(_split_kind(r), window, splits_of, _label(r)), r.split_seed, r.metrics["overall_accuracy"]


def _unseen_runs_of_csv(path: Path):
    """The rows of a ``runs --csv`` file, each keyed as its run folder would be: the configuration its settings
    compose to (Hydra, as ``hsi-train`` composes it) gives the split, the windows, the segment smoothing and the
    spectral augmentation."""
    import csv

    from hydra import compose, initialize_config_module

    from hsi.cli.config_keys import CONFIG_MODULE, CONFIG_NAME
    from hsi.config import split_window

    keys: dict[tuple[str, str], tuple[str, int, str]] = {}  # one composition per distinct settings
    with open(path, newline="") as f, initialize_config_module(CONFIG_MODULE, version_base="1.3"):
        for row in csv.DictReader(f):
            if (row["model"], row["settings"]) not in keys:
                cfg = compose(CONFIG_NAME, overrides=row["settings"].split())
                trainer = cfg.trainer
                label = _with(row["model"], cfg.segments.size, trainer.spectral_scale, trainer.spectral_noise)
                keys[row["model"], row["settings"]] = _unseen_key(
                    _kind_of_target(cfg.split._target_), cfg.preprocess.window, split_window(cfg), label
                )
            yield keys[row["model"], row["settings"]], int(row["split_seed"]), float(row["OA"]) / 100


def unseen(sources: list[Path]) -> None:
    """The fair comparison's report: per honest protocol and split window (the splits follow it), each model's
    OA over seeds, then, paired by seed on the same splits, every smoothed model against each unsmoothed one, and
    every other network (HybridSN) against the better spectral baseline (the higher mean OA): mean difference,
    95% t-interval, paired t-test and Wilcoxon signed-rank test (scipy), both Holm-adjusted over every test.
    ``sources``: run folders, or the CSVs that ``runs --csv`` wrote of them (the committed record of a study)."""
    groups: dict[tuple[str, int, str], dict[int, float]] = {}
    for source in sources:
        runs = _unseen_runs_of_csv(source) if source.suffix == ".csv" else _unseen_runs_of_folder(source)
        for key, seed, oa in runs:
            groups.setdefault(key, {})[seed] = oa
    print("| split | splits of window | model | seeds | OA (%), mean ± SD |")
    print("|---|---:|---|---:|---:|")
    for (kind, window, label), by_seed in sorted(groups.items()):
        print(f"| {kind} | {window} | {label} | {len(by_seed)} | {_pm(list(by_seed.values()))} |")
    pairs = []
    for (kind, window, label), by_seed in sorted(groups.items()):
        if label in SPECTRAL_BASELINES:
            continue
        same = {b: s for (k, w, b), s in groups.items() if (k, w) == (kind, window) and "segments" not in b}
        if "segments" in label:  # a smoothed model (the preset): against every unsmoothed model of its splits
            bases = same
        else:  # a network: against the better spectral baseline only
            spectral = [b for b in same if b in SPECTRAL_BASELINES]
            best = max(spectral, key=lambda b: np.mean(list(same[b].values())), default=None)
            bases = {best: same[best]} if best is not None else {}
        pairs += [(kind, window, label, by_seed, base, base_seeds) for base, base_seeds in sorted(bases.items())]
    rows = []
    for kind, window, label, by_seed, base, base_seeds in pairs:
        shared = sorted(set(by_seed) & set(base_seeds))
        if len(shared) < 2:  # a part of a study that has run one seed so far: nothing to test
            continue
        diff = np.array([by_seed[s] - base_seeds[s] for s in shared])
        test = stats.ttest_1samp(diff, 0.0)
        low, high = test.confidence_interval(0.95)
        wilcoxon = stats.wilcoxon(diff).pvalue
        rows.append((kind, window, f"{label} - {base}", len(shared), diff.mean(), low, high, test.pvalue, wilcoxon))
    t_holm, w_holm = holm([r[7] for r in rows]), holm([r[8] for r in rows])
    print("\nPaired by seed (one protocol and split window: the same splits); Holm over the tests of this table:\n")
    print(
        "| split | splits of window | b - a | seeds | mean OA difference (points) | 95% t-interval | p (t) | "
        "p (t), Holm | p (Wilcoxon) | p (Wilcoxon), Holm |"
    )
    print("|---|---:|---|---:|---:|---|---:|---:|---:|---:|")
    for row, tq, wq in zip(rows, t_holm, w_holm, strict=True):
        kind, window, name, n, mean, low, high, tp, wp = row
        print(
            f"| {kind} | {window} | {name} | {n} | {100 * mean:+.2f} | [{100 * low:+.2f}, {100 * high:+.2f}] | "
            f"{tp:.3g} | {tq:.3g} | {wp:.3g} | {wq:.3g} |"
        )


def honest(folders: list[Path]) -> None:
    groups = _by_split_window_and_model(folders)
    _honest_rows(groups)
    _honest_pairs(groups)
    print("\nPer class, mean accuracy over seeds (%; `-` untested):\n")
    keys = sorted(groups)
    names = next(iter(groups.values()))[0].metrics["class_names"]
    print("| class | " + " | ".join(f"{m} {kind} w{w}" for kind, w, m in keys) + " |")
    print("|---|" + "---:|" * len(keys))
    for k, name in enumerate(names):
        cells = []
        for key in keys:
            values = [r.metrics["per_class"][k]["accuracy"] for r in groups[key]]
            values = [v for v in values if v is not None]
            cells.append(f"{100 * np.mean(values):.1f}" if values else "-")
        print(f"| {name} | " + " | ".join(cells) + " |")


def seeds(folders: list[Path]) -> None:
    runs = [r for folder in folders for r in _finished(folder)]
    by_model: dict[str, list] = {}
    for r in runs:
        by_model.setdefault(_model(r), []).append(r)
    for model, rs in sorted(by_model.items()):
        rs.sort(key=lambda r: r.split_seed)
        print(f"\n{model}:\n")
        print("| seed | OA (%) | AA (%) | kappa (x100) | epoch kept | training (s) |")
        print("|---:|---:|---:|---:|---:|---:|")
        for r in rs:
            m = r.metrics
            print(
                f"| {r.split_seed} | {100 * m['overall_accuracy']:.2f} | {100 * m['average_accuracy']:.2f} | "
                f"{100 * m['kappa']:.2f} | {m['best_epoch'] if m['best_epoch'] is not None else '-'} | "
                f"{m['train_seconds']:.1f} |"
            )
        oa = describe([r.metrics["overall_accuracy"] for r in rs], bounded=True)  # as the sweep summaries: in [0, 1]
        print(
            f"| mean ± std | **{_pm([r.metrics['overall_accuracy'] for r in rs])}** | "
            f"{_pm([r.metrics['average_accuracy'] for r in rs])} | {_pm([r.metrics['kappa'] for r in rs])} | | "
            f"{np.mean([r.metrics['train_seconds'] for r in rs]):.1f} |"
        )
        if not math.isnan(oa["ci_low"]):  # too few runs for an interval: none is printed
            low, high = 100 * oa["ci_low"], 100 * oa["ci_high"]
            print(f"\n95% t-interval of the typical OA (logit scale): [{low:.2f}, {high:.2f}]")


def paired_lines(base: dict[int, dict], other: dict[int, dict], names: tuple[str, str]) -> list[str]:
    """Per seed OA, AA and training time of two recipes on the same seeds, and the mean paired OA difference
    with its 95% t-interval (scipy's ``ttest_rel``): ``base``/``other`` map seed -> {"oa", "aa", "seconds"}."""
    seeds_both = sorted(set(base) & set(other))
    lines = [
        f"| seed | {names[0]} OA (%) | {names[1]} OA (%) | OA difference (points) | AA difference (points) | "
        f"{names[0]} training (s) | {names[1]} training (s) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in seeds_both:
        a, b = base[s], other[s]
        lines.append(
            f"| {s} | {100 * a['oa']:.2f} | {100 * b['oa']:.2f} | {100 * (b['oa'] - a['oa']):+.2f} | "
            f"{100 * (b['aa'] - a['aa']):+.2f} | {a['seconds']:.1f} | {b['seconds']:.1f} |"
        )
    diff = np.array([other[s]["oa"] - base[s]["oa"] for s in seeds_both])
    test = stats.ttest_rel([other[s]["oa"] for s in seeds_both], [base[s]["oa"] for s in seeds_both])
    low, high = test.confidence_interval(0.95)
    ratio = np.mean([base[s]["seconds"] for s in seeds_both]) / np.mean([other[s]["seconds"] for s in seeds_both])
    lines.append(
        f"\nMean paired OA difference ({names[1]} - {names[0]}): {100 * diff.mean():+.2f} points, 95% t-interval "
        f"[{100 * low:+.2f}, {100 * high:+.2f}] over {len(diff)} seeds; mean training time ratio "
        f"{ratio:.2f}x."
    )
    return lines


def paired(folders: list[Path], model: str | None = None, base_model: str | None = None) -> None:
    """Two folders of runs of the same seeds (a base recipe first), compared seed by seed on test OA;
    with ``model``, only that model's runs of each folder (``base_model``: another model's in the first)."""

    def by_seed(folder: Path, model: str | None) -> dict[int, dict]:
        return {
            r.split_seed: {
                "oa": r.metrics["overall_accuracy"],
                "aa": r.metrics["average_accuracy"],
                "seconds": r.metrics["train_seconds"],
            }
            for r in _finished(folder)
            if model is None or _model(r) == model
        }

    base, other = by_seed(folders[0], base_model or model), by_seed(folders[1], model)
    print("\n".join(paired_lines(base, other, (folders[0].name, folders[1].name))))


def grid(folder: Path) -> None:
    runs = _finished(folder)
    cells: dict[tuple[int, int], list[float]] = {}
    for r in runs:
        cells.setdefault((r.split_seed, r.init_seed), []).append(r.metrics["overall_accuracy"])
    splits = sorted({s for s, _ in cells})
    inits = sorted({i for _, i in cells})
    print("| OA (%) | " + " | ".join(f"init {i}" for i in inits) + " |")
    print("|---|" + "---:|" * len(inits))
    for s in splits:
        print(f"| split {s} | " + " | ".join(" / ".join(f"{100 * v:.2f}" for v in cells[(s, i)]) for i in inits) + " |")
    values = [r.metrics["overall_accuracy"] for r in runs]
    print(f"\nOver the {len(values)} runs: OA {_pm(values)} % (mean ± std).")
    study = variance_components(np.array([[cells[(s, i)] for i in inits] for s in splits]))
    print("\n| component | variance (points²) | share | 95% interval of the SD (points) | F test |")
    print("|---|---:|---:|---:|---|")
    for name in study["variances"]:
        v, (lo, hi) = study["variances"][name], study["intervals"][name]
        f = study["f_tests"].get(name)
        if not f or f["F"] is None:
            ftext = "-"
        elif math.isinf(f["F"]):
            ftext = f"F({f['df'][0]}, {f['df'][1]}) infinite: replicates identical"
        else:
            ftext = f"F({f['df'][0]}, {f['df'][1]}) = {f['F']:.2f}, p = {f['p_value']:.2g}"
        share = "n/a" if study["shares"][name] is None else f"{100 * study['shares'][name]:.0f}%"
        print(f"| {name} | {1e4 * v:.3f} | {share} | {100 * math.sqrt(lo):.2f} - {100 * math.sqrt(hi):.2f} | {ftext} |")
    print("\n" + variance_sentence(folder.name, study))


def _kept_validation(run) -> dict:
    """Validation OA and AA of the model a run kept: from its history, or, for a model without epochs (the
    SVM, the 1-D CNN), from its saved map and split (the map is the kept model's, so the figures agree)."""
    if run.metrics["history"]:
        return next(h for h in run.metrics["history"] if h["epoch"] == run.metrics["best_epoch"])
    labels = np.load(run.path / MAPS / PREDICTIONS_NPZ)["labels"].ravel().astype(np.int64) - 1
    val = np.load(run.path / SPLIT_NPZ)["val"].ravel()
    truth = scene_truth(run)[val]
    classes = np.unique(truth)
    recall = [float((labels[val][truth == k] == k).mean()) for k in classes]
    return {"val_oa": float((labels[val] == truth).mean()), "val_aa": float(np.mean(recall))}


def validation(folders: list[Path]) -> None:
    """Validation OA and AA of the model each run kept, per folder and settings (mean ± SD over seeds), and
    each candidate's OA paired by seed against the folder's first: for choosing among candidates on the
    validation pixels of unreported seeds, whatever the model (no test figures)."""
    print("| folder | settings | seeds | validation OA (%) | validation AA (%) | OA vs first (points, paired) |")
    print("|---|---|---|---:|---:|---:|")
    for folder in folders:
        groups: dict[str, list] = {}
        for r in sorted(_finished(folder), key=lambda r: r.split_seed):
            groups.setdefault(r.group, []).append(r)
        base = None
        for group, runs in groups.items():
            figures = {r.split_seed: _kept_validation(r) for r in runs}
            oa = {seed: f["val_oa"] for seed, f in figures.items()}
            base = base if base is not None else oa
            shared = sorted(set(oa) & set(base))
            paired = "" if oa is base else f"{100 * np.mean([oa[s] - base[s] for s in shared]):+.2f}"
            print(
                f"| {folder.name} | {group} | {', '.join(map(str, oa))} | {_pm(list(oa.values()))} | "
                f"{_pm([f['val_aa'] for f in figures.values()])} | {paired} |"
            )


RECIPE_KEYS = (
    "epochs",
    "batch_size",
    "augment",
    "tta",
    "label_smoothing",
    "ema_decay",
    "grad_clip",
    "init",
    "mixup",
    "cutmix",
    "spectral_noise",
    "spectral_scale",
    "batches",
    "tile_side",
)


def _recipe_values(run) -> tuple:
    """The run's recipe options; ``init``, recorded only since it existed, from the run's config, else PyTorch's."""
    training = dict(run.metrics["protocol"]["training"])
    if "init" not in training:
        config_file = run.path / ".hydra" / "config.yaml"
        config = yaml.safe_load(config_file.read_text()) if config_file.is_file() else {}
        training["init"] = (config.get("model") or {}).get("init", "torch")
    return tuple(training.get(k) for k in RECIPE_KEYS)


def _candidates(folders: list[Path], pool: bool = False) -> list[tuple[str, list]]:
    """One candidate per folder, or per value of the recipe options that differ within a folder (a sweep).
    With ``pool``, the runs of all folders are grouped by those values alone (a candidate split over sweeps)."""
    out = []
    for batch in [folders] if pool else [[f] for f in folders]:
        runs = [r for folder in batch for r in _finished(folder) if r.metrics["history"]]
        groups: dict[tuple, list] = {}
        for r in sorted(runs, key=lambda r: r.split_seed):
            groups.setdefault(_recipe_values(r), []).append(r)
        varying = [i for i, k in enumerate(RECIPE_KEYS) if len({key[i] for key in groups}) > 1]
        for key, members in groups.items():
            label = " ".join(f"{RECIPE_KEYS[i]}={key[i]}" for i in varying)
            out.append((label if pool else f"{batch[0].name} {label}".strip(), members))
    return out


def recipe(folders: list[Path], pool: bool = False) -> None:
    """The recipe choice: validation OA and AA at the epoch kept, per candidate folder (no test figures),
    and each candidate's validation OA paired by seed against the first candidate (the base)."""
    print(
        "| candidate | seeds | validation OA (%) | validation AA (%) | epoch kept | training (s) | "
        "OA vs first (points, paired) | seeds gaining |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    base = None
    for name, runs in _candidates(folders, pool):
        oa = {r.split_seed: _kept_validation(r)["val_oa"] for r in runs}
        base = base if base is not None else oa
        shared = sorted(set(oa) & set(base))
        gains = [oa[s] - base[s] for s in shared]
        paired = "" if oa is base else f"{100 * np.mean(gains):+.2f}"
        gaining = "" if oa is base else f"{sum(g > 0 for g in gains)} of {len(gains)}"
        print(
            f"| `{name}` | {', '.join(str(r.split_seed) for r in runs)} | "
            f"{_pm(list(oa.values()))} | {_pm([_kept_validation(r)['val_aa'] for r in runs])} | "
            f"{', '.join(str(r.metrics['best_epoch']) for r in runs)} | "
            f"{np.mean([r.metrics['train_seconds'] for r in runs]):.0f} | {paired} | {gaining} |"
        )


def early(folders: list[Path], pool: bool = False, epoch: int = 3) -> None:
    """How each candidate's runs start: the first epoch's mean training loss and validation OA after ``epoch``."""
    print(f"| candidate | runs | first-epoch training loss | validation OA after epoch {epoch} (%) |")
    print("|---|---:|---:|---:|")
    for name, runs in _candidates(folders, pool):
        loss = [r.metrics["history"][0]["train_loss"] for r in runs]
        oa = [100 * h["val_oa"] for r in runs for h in r.metrics["history"] if h["epoch"] == epoch]
        print(f"| `{name}` | {len(runs)} | {min(loss):.2f}-{max(loss):.2f} | {min(oa):.2f}-{max(oa):.2f} |")


def overhead(folders: list[Path]) -> None:
    """Per run: training time, and the part of it spent outside the training steps (validation, snapshots)."""
    print("| run | seed | training (s) | validation and snapshots (s) | share (%) |\n|---|---:|---:|---:|---:|")
    for r in (r for folder in folders for r in _finished(folder) if r.metrics["history"]):
        last = r.metrics["history"][-1]
        total, outside = last["seconds"], last["seconds"] - last["step_seconds"]
        print(f"| {r.path.name} | {r.split_seed} | {total:.0f} | {outside:.0f} | {100 * outside / total:.0f} |")


def variants(folders: list[Path], figure: Path | None) -> None:
    """Every model of one or more sweeps on the same splits against hybridsn on the test pixels, paired by
    seed, with p-values Holm-adjusted over the table's OA tests; OA against training time. A model and
    seed found twice is refused rather than silently picked."""
    by_model: dict[str, dict[int, object]] = {}
    for r in itertools.chain.from_iterable(_finished(folder) for folder in folders):
        if r.split_seed in by_model.get(_model(r), {}):
            raise SystemExit(
                f"{_model(r)} seed {r.split_seed} is in more than one of the folders given: pass one of each"
            )
        by_model.setdefault(_model(r), {})[r.split_seed] = r
    base = by_model["hybridsn"]
    print(
        "| model | runs | OA (%) | AA (%) | kappa (x100) | training (s) | OA vs hybridsn (points, paired) | p | "
        "p, Holm | AA vs hybridsn (points) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    rows, points = [], []
    for model, runs in sorted(by_model.items(), key=lambda kv: (kv[0] != "hybridsn", kv[0])):
        rs = [runs[s] for s in sorted(runs)]
        seconds = float(np.mean([r.metrics["train_seconds"] for r in rs]))
        shared = sorted(set(runs) & set(base))
        pair = {
            key: paired_comparison([base[s].metrics[key] for s in shared], [runs[s].metrics[key] for s in shared])
            for key in ("overall_accuracy", "average_accuracy")
        }
        rows.append((model, rs, seconds, pair))
        points.append((model, seconds, 100 * float(np.mean([r.metrics["overall_accuracy"] for r in rs]))))
    others = [row for row in rows if row[0] != "hybridsn"]
    adjusted = dict(
        zip([r[0] for r in others], holm([r[3]["overall_accuracy"]["p_value"] for r in others]), strict=True)
    )
    for model, rs, seconds, pair in rows:
        oa, aa = pair["overall_accuracy"], pair["average_accuracy"]
        first = model == "hybridsn"
        versus = "" if first else f"{100 * oa['mean_difference']:+.2f}"
        p = "" if first or math.isnan(oa["p_value"]) else f"{oa['p_value']:.2g}"
        q = "" if first or math.isnan(adjusted[model]) else f"{adjusted[model]:.2g}"
        aa_versus = "" if first else f"{100 * aa['mean_difference']:+.2f}"
        print(
            f"| `{model}` | {len(rs)} | {_pm([r.metrics['overall_accuracy'] for r in rs])} | "
            f"{_pm([r.metrics['average_accuracy'] for r in rs])} | {_pm([r.metrics['kappa'] for r in rs])} | "
            f"{seconds:.1f} | {versus} | {p} | {q} | {aa_versus} |"
        )
    if figure is not None:
        _pareto_figure(points, figure)


RUN_COLUMNS = (
    "run",
    "model",
    "settings",
    "split_seed",
    "init_seed",
    "replicate",
    "OA",
    "AA",
    "kappa",
    "train_seconds",
    "wall_seconds",
    "peak_rss_mb",
)
ENVIRONMENT_COLUMNS = ("precision", "cpu", "source_commit")


def runs_csv(folders: list[Path], out: Path | None, validation: bool = False) -> None:
    """One row per finished run (its settings beyond the seeds, OA, AA, kappa in %, training seconds, precision,
    CPU, commit): its results. With ``validation``, the validation OA and AA of the epoch kept instead of the
    test figures (for runs of unreported seeds, whose test pixels no study reads)."""
    import contextlib
    import csv
    import sys

    columns = list(RUN_COLUMNS)
    if validation:
        columns[columns.index("OA") : columns.index("kappa") + 1] = ["validation_OA", "validation_AA"]
    with open(out, "w", newline="") if out else contextlib.nullcontext(sys.stdout) as target:
        writer = csv.writer(target, lineterminator="\n")
        writer.writerow(columns + list(ENVIRONMENT_COLUMNS))
        for folder in folders:
            for r in _finished(folder):
                m, env = r.metrics, r.metrics.get("environment", {})
                if validation:
                    scores = [f"{100 * _kept_validation(r)[k]:.2f}" for k in ("val_oa", "val_aa")]
                else:
                    scores = [f"{100 * m[k]:.2f}" for k in ("overall_accuracy", "average_accuracy", "kappa")]
                training = m["protocol"].get("training", {})
                where = [training.get("precision", ""), env.get("cpu", ""), env.get("source_commit", "")]
                seconds = [
                    f"{m['train_seconds']:.1f}",
                    f"{m['wall_seconds']:.1f}",
                    f"{env.get('peak_rss_mb') or 0:.0f}",
                ]
                name = r.path.relative_to(folder.parent)
                settings = "" if r.group == "(defaults)" else r.group
                writer.writerow(
                    [name, _model(r), settings, r.split_seed, r.init_seed, r.replicate, *scores, *seconds, *where]
                )


def throughput_csv(reports: list[Path], out: Path | None) -> None:
    """One row per batching of each ``python -m benchmarks.benchmark`` JSON report: its samples/s against the loop's."""
    rows = [
        "report,precision,batches,tile_side,samples_per_s,x_windows,x_common_loop,peak_rss_mb,"
        "common_loop_samples_per_s,batch_size,threads,torch"
    ]
    for path in reports:
        report = json.loads(path.read_text())
        for batches, tool in report["tool"].items():
            rows.append(
                f"{path.name},{tool['precision']},{batches},{tool['tile_side'] or ''},{tool['samples_per_s']:.1f},"
                f"{tool['x_windows']:.2f},{tool['x_common_loop']:.2f},{tool['peak_rss_mb']:.0f},"
                f"{report['baseline_samples_per_s']:.1f},{report['batch_size']},{report['threads']},{report['torch']}"
            )
    text = "\n".join(rows) + "\n"
    if out is None:
        print(text, end="")
    else:
        out.write_text(text)


def _pareto_figure(points: list[tuple[str, float, float]], path: Path) -> None:
    """Mean OA against mean training time, the models no other beats on both joined (the Pareto front)."""
    from matplotlib.figure import Figure

    front = [p for p in points if not any(q[1] <= p[1] and q[2] >= p[2] and q != p for q in points)]
    front.sort(key=lambda p: p[1])
    fig = Figure(figsize=(6.4, 4.2), layout="constrained")
    ax = fig.add_subplot()
    ax.scatter([p[1] for p in points], [p[2] for p in points], color="tab:blue")
    ax.plot([p[1] for p in front], [p[2] for p in front], color="tab:orange", label="Pareto front")
    for name, x, y in points:
        ax.annotate(name.replace("hybridsn_", ""), (x, y), textcoords="offset points", xytext=(4, 4), fontsize=8)
    ax.set_xlabel("mean training time per run (s)")
    ax.set_ylabel("mean test OA (%)")
    ax.legend(loc="lower right")
    fig.savefig(path, dpi=120)


CORN_AND_SOYBEAN = ("Corn-notill", "Corn-mintill", "Corn", "Soybean-notill", "Soybean-mintill", "Soybean-clean")


def confusions(folders: list[Path]) -> None:
    """Per folder, the test confusion matrices of its runs pooled: the corn and soybean classes' share of the
    test pixels, the accuracy on them and on the other classes, and the share of errors among them."""
    print(
        "| folder | runs | corn and soybean: share of test (%) | their accuracy (%) | others' accuracy (%) | "
        "errors among the six (%) |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for folder in folders:
        runs = _finished(folder)
        pooled = sum(np.array(r.metrics["confusion_matrix"], dtype=np.int64) for r in runs)
        six = np.isin(runs[0].metrics["class_names"], CORN_AND_SOYBEAN)
        right = np.diag(pooled)
        errors = pooled.sum() - right.sum()
        among = pooled[np.ix_(six, six)].sum() - right[six].sum()
        print(
            f"| {folder.name} | {len(runs)} | {100 * pooled[six].sum() / pooled.sum():.1f} | "
            f"{100 * right[six].sum() / pooled[six].sum():.1f} | {100 * right[~six].sum() / pooled[~six].sum():.1f} | "
            f"{100 * among / errors:.1f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "table",
        choices=[
            "honest",
            "seeds",
            "grid",
            "recipe",
            "early",
            "overhead",
            "variants",
            "paired",
            "runs",
            "throughput",
            "validation",
            "unseen",
            "confusions",
        ],
    )
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--figure", type=Path, help="variants: also draw OA against training time here")
    parser.add_argument("--pool", action="store_true", help="recipe, early: group all folders' runs by option")
    parser.add_argument("--epoch", type=int, default=3, help="early: the epoch whose validation OA is shown")
    parser.add_argument("--csv", type=Path, help="runs, throughput: write the CSV here instead of printing it")
    parser.add_argument("--validation", action="store_true", help="runs: validation figures instead of test ones")
    parser.add_argument("--model", help="paired: only this model's runs (for folders that hold several)")
    parser.add_argument("--base-model", help="paired: the first folder's model, where it differs from --model")
    args = parser.parse_args()
    if args.table == "honest":
        honest(args.folders)
    elif args.table == "recipe":
        recipe(args.folders, args.pool)
    elif args.table == "overhead":
        overhead(args.folders)
    elif args.table == "early":
        early(args.folders, args.pool, args.epoch)
    elif args.table == "variants":
        variants(args.folders, args.figure)
    elif args.table == "seeds":
        seeds(args.folders)
    elif args.table == "paired":
        paired(args.folders, args.model, args.base_model)
    elif args.table == "runs":
        runs_csv(args.folders, args.csv, args.validation)
    elif args.table == "throughput":
        throughput_csv(args.folders, args.csv)
    elif args.table == "validation":
        validation(args.folders)
    elif args.table == "unseen":
        unseen(args.folders)
    elif args.table == "confusions":
        confusions(args.folders)
    else:
        grid(args.folders[0])


if __name__ == "__main__":
    main()
