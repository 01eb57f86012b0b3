"""The protocol a composed config describes, in words: one source for README's table and for tests.

README's "default protocol" table once said "Adam 1e-3, batch 128, 100 epochs" (the paper
recipe) while the default was a one-cycle recipe; it is now written from the composed config
(``python scripts/readme_tables.py --write``) and a test fails when the two disagree.
"""

from __future__ import annotations

from omegaconf import DictConfig

from hsi.classifiers.self_training import SelfTraining
from hsi.describe import regularisation_words, start_words
from hsi.segments import SegmentInputs, SegmentSmoothing

_SPLITS = {
    "stratified_fraction_split": lambda s: (
        f"stratified random: {100 * s.train_fraction:g}% of each class trains, "
        + (f"{100 * s.val_fraction:g}% validates, " if s.val_fraction else "none is held out for validation, ")
        + f"the rest ({100 * (1 - s.train_fraction - s.val_fraction):g}%) tests"
    ),
    "spatially_disjoint_split": lambda s: (
        f"balanced spatially disjoint: {s.block_size}x{s.block_size} blocks, about {100 * s.train_fraction:g}% "
        f"of each class trains, validation and test outside every training window"
    ),
    "per_class_count_split": lambda s: f"{s.train_per_class} random training pixels per class",
    "mask_split": lambda s: "fixed masks from files",
}


def _kept_epoch(t: DictConfig, validates: bool) -> str:
    if not validates:
        return "the last epoch is kept (no validation pixels)"
    if t.get("select_over") == "classes_with_enough":
        return (
            f"the epoch with the best validation AA over the classes with at least {t.min_val_per_class} "
            "validation pixels is kept"
        )
    return (
        f"the epoch with the best validation AA is kept (the last one when validation has fewer than "
        f"{t.min_val_per_class} pixels of a tested class)"
    )


def _trainer(t: DictConfig, validates: bool = True) -> str:
    optimiser = str(t.optimizer._target_).rsplit(".", 1)[-1]
    scheduler = t.get("scheduler")
    if scheduler and str(scheduler._target_).endswith("OneCycleLR"):
        schedule = f"one-cycle learning rate peaking at {scheduler.max_lr:g}"
    elif scheduler:
        schedule = str(scheduler._target_).rsplit(".", 1)[-1]
    else:
        schedule = f"constant learning rate {t.optimizer.lr:g}"
    extras = regularisation_words(t)
    batch = {
        "grid": f"batches of about {t.batch_size} pixels made of whole {t.get('tile_side')}-pixel tiles of the scene",
        "tiles": f"batch {t.batch_size}, computed through shared tiles of the scene",
        "scene": f"the whole scene a step, the loss on a stratified sample of {t.batch_size} training pixels",
    }.get(t.get("batches", "windows"), f"batch {t.batch_size}")
    return f"{optimiser}, {schedule}, {batch}, {t.epochs} epochs{', ' + extras if extras else ''}; " + _kept_epoch(
        t, validates
    )


def protocol_rows(cfg: DictConfig) -> list[tuple[str, str, str]]:
    """``(setting, value, config key)`` rows describing the composed ``cfg``."""
    split_name = str(cfg.split._target_).rsplit(".", 1)[-1]
    pre = cfg.preprocess
    scope = {
        "all": "all pixels of the scene (as the paper fits it; the fit sees test pixels)",
        "labeled": "the labelled pixels",
        "train": "the training pixels only",
    }[pre.fit_scope]
    precision = {"auto": "`auto`: bf16 autocast on CPUs with native bf16 and on CUDA, fp32 elsewhere"}.get(
        cfg.trainer.precision, str(cfg.trainer.precision)
    )
    model = str(cfg.model._target_).rsplit(".", 1)[-1]
    return [
        ("scene", f"{cfg.dataset.name}", "`dataset`"),
        ("split", _SPLITS[split_name](cfg.split), f"`split={_split_choice(split_name)}`"),
        (
            (
                "bands",
                f"every band in order, each standardised on {scope}",
                "`preprocess.reduction`",
            )
            if pre.get("reduction", "pca") == "bands"
            else (
                "PCA",
                f"{pre.n_components} components, {'whitened' if pre.whiten else 'not whitened'}, fitted on {scope}",
                "`preprocess.*`",
            )
        ),
        ("windows", f"{pre.window}x{pre.window}, {pre.padding} padding", "`preprocess.window`, `preprocess.padding`"),
        ("model", ", ".join(filter(None, (model, start_words(cfg.model.get("init"))))), _model_keys(cfg.model)),
        ("training", _trainer(cfg.trainer, validates=cfg.split.get("val_fraction", 1.0) != 0), "`trainer.*`"),
        ("precision", precision, "`trainer.precision`"),
        ("seeds", f"`seed={cfg.seed}` for the split and the initialisation", "`seed`, `split_seed`, `init_seed`"),
    ] + _segment_rows(cfg)


def _segment_rows(cfg: DictConfig) -> list[tuple[str, str, str]]:
    segment_inputs = SegmentInputs.from_config(cfg.get("segments"))
    smoothing = SegmentSmoothing.from_config(cfg.get("segments"))
    rows = [] if segment_inputs is None else [("segment inputs", segment_inputs.words(), "`segments.input_*`")]
    rows += [] if smoothing is None else [("map smoothing", smoothing.words(), "`segments.*`")]
    self_training = SelfTraining.from_config(cfg.get("self_training"))
    return rows + ([] if self_training is None else [("self-training", self_training.words(), "`self_training.*`")])


def _model_keys(model: DictConfig) -> str:
    return "`model`, `model.init`" if "init" in model else "`model`"  # the SVM has no weights to start


def _split_choice(target: str) -> str:
    return {
        "stratified_fraction_split": "random",
        "spatially_disjoint_split": "disjoint",
        "per_class_count_split": "per_class",
        "mask_split": "masks",
    }[target]


def protocol_table(cfg: DictConfig) -> str:
    lines = ["| setting | value | config key |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in protocol_rows(cfg)]
    return "\n".join(lines) + "\n"


def readme_blocks(default_cfg: DictConfig) -> dict[str, str]:
    """Every generated section of the docs, by marker name: the default protocol and the model tables."""
    from hsi.models.card import card_markdown, descriptions_markdown, model_card, model_descriptions

    return {
        "default-protocol": protocol_table(default_cfg),
        "models": descriptions_markdown(model_descriptions()),
        "model-card": card_markdown(model_card(30, 25, 16), 30, 25, 16),
    }
