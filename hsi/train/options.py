"""The trainer's options as one typed, validated record.

Each option is one field of :class:`TrainerOptions`: its type, its default (which is also what a
run saved before the option existed is taken to have used), the check of its value, what a run
records of it, and its words in reports. Adding an option is a field here, its line in
``configs/trainer/default.yaml`` and its use in the trainer; the checks, the run's record
(``protocol.training`` in metrics.json), the report's sentence and the resume comparison follow
from the field.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable
from dataclasses import dataclass, field, fields

from hsi.errors import UserError
from hsi.train.tiles import MIN_SIDE as MIN_TILE_SIDE

AUGMENTATIONS = (None, "d4")
BATCHES = ("windows", "tiles", "grid", "scene")
SELECT_OVER = ("all_classes", "classes_with_enough")


def _whole(minimum: int, optional: bool = False) -> Callable[[str, object], None]:
    def check(name: str, value) -> None:
        if optional and value is None:
            return
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            allowed = f"a whole number of at least {minimum}" + (" (or null)" if optional else "")
            raise UserError(f"trainer.{name} is {value!r}; it must be {allowed}.")

    return check


def _number(low: float, high: float = math.inf, high_open: bool = False, optional: bool = False):
    def check(name: str, value) -> None:
        if optional and value is None:
            return
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or value < low or value > high or (high_open and value == high):
            bound = f"{low} <= x {'<' if high_open else '<='} {high}" if math.isfinite(high) else f"x > {low}"
            raise UserError(
                f"trainer.{name} is {value!r}; it must be a number {bound}{' (or null)' if optional else ''}."
            )

    return check


def _positive(name: str, value) -> None:
    """A number above zero, or null (the option off)."""
    if value is None:
        return
    _number(0.0, optional=True)(name, value)
    if value == 0:
        raise UserError(f"trainer.{name} is 0; it must be a number x > 0 (or null to switch it off).")


def _one_of(choices: tuple, meaning: str) -> Callable[[str, object], None]:
    def check(name: str, value) -> None:
        if value not in choices:
            raise UserError(f"trainer.{name} is {value!r}; it must be {meaning}.")

    return check


def _text(name: str, value) -> None:
    if not isinstance(value, str):
        raise UserError(f"trainer.{name} is {value!r}; it must be a word such as auto.")


def _flag(name: str, value) -> None:
    if not isinstance(value, bool):
        raise UserError(f"trainer.{name} is {value!r}; it must be true or false.")


def option(default, check: Callable[[str, object], None], record: bool = True, words=None):
    """A field of :class:`TrainerOptions`: ``record`` puts it in the run's training record, ``words``
    (a function of a value that is not null) describes it in reports."""
    return field(default=default, metadata={"check": check, "record": record, "words": words})


@dataclass
class TrainerOptions:
    """Every trainer setting but the optimiser and the schedule (which are objects, not values).

    epochs: passes over the training pixels. batch_size: training windows per step.
    device: ``auto``, ``cpu``, ``cuda``, ``cuda:1``... precision: ``auto``, ``fp32``, ``bf16``, ``fp16``.
    eval_batch_size: windows per forward pass when predicting.
    patience: stop after this many validations without a better validation AA (null: never).
    val_every: validate every k-th epoch and the last (only a validated epoch can be kept).
    min_val_per_class: validation chooses the epoch only with this many pixels of every tested class.
    select_over: ``all_classes`` (validation chooses only if every tested class has min_val_per_class
    pixels, else the last epoch is kept) or ``classes_with_enough`` (validation AA over the tested
    classes that have them, the last epoch only when none has).
    threads: torch intra-op threads (null: torch's default).
    augment: ``d4``, each training window under a random one of the eight flips and rotations.
    tta: predict with the mean of the eight flipped and rotated views.
    label_smoothing: cross-entropy against ``1 - e`` on the label and ``e / K`` on every class
    (Szegedy et al. 2016). ema_decay: validate and keep an exponential moving average of the
    weights (Polyak and Juditsky 1992). grad_clip: clip the gradients' global norm before each step.
    mixup, cutmix: alpha of the Beta(alpha, alpha) blend of each batch with a shuffled copy (Zhang
    et al. 2018; Yun et al. 2019). spectral_noise: Gaussian noise on every PCA component of each
    training window. spectral_scale: each window's spectra scaled by a factor in ``[1 - s, 1 + s]``.
    batches: ``windows``, ``tiles`` or ``grid`` (:mod:`hsi.train.tiles`), or ``scene``
    (:mod:`hsi.train.scene`: the whole scene a step, ``batch_size`` pixels in the loss). tile_side:
    output pixels along a tile's side (null: chosen from the batch size); with ``scene``, the side of
    its square crops (null: the whole scene, or the largest square crop the memory allows).
    """

    epochs: int = option(100, _whole(1))
    batch_size: int = option(128, _whole(1))
    device: str = option("auto", _text, record=False)  # the record holds the device resolved
    precision: str = option("fp32", _text, record=False)  # and the precision resolved
    eval_batch_size: int = option(256, _whole(1), record=False)
    patience: int | None = option(None, _whole(1, optional=True), record=False)
    val_every: int = option(1, _whole(1))
    threads: int | None = option(None, _whole(1, optional=True), record=False)
    min_val_per_class: int = option(5, _whole(0), record=False)
    select_over: str = option(
        "all_classes",
        _one_of(SELECT_OVER, "all_classes or classes_with_enough"),
        words=lambda x: "epoch chosen on the validation pixels of the classes with enough of them",
    )
    augment: str | None = option(None, _one_of(AUGMENTATIONS, "null or d4 (the eight flips and rotations)"))
    tta: bool = option(False, _flag)
    label_smoothing: float = option(0.0, _number(0.0, 1.0, high_open=True), words=lambda x: f"label smoothing {x:g}")
    ema_decay: float | None = option(
        None, _number(0.0, 1.0, optional=True), words=lambda x: f"EMA of the weights (decay {x:g}) validated and kept"
    )
    grad_clip: float | None = option(None, _positive, words=lambda x: f"gradient norm clipped to {x:g}")
    mixup: float | None = option(None, _positive, words=lambda x: f"mixup of window pairs (alpha {x:g})")
    cutmix: float | None = option(None, _positive, words=lambda x: f"CutMix of window pairs (alpha {x:g})")
    spectral_scale: float | None = option(
        None,
        _number(0.0, 1.0, high_open=True, optional=True),
        words=lambda x: f"brightness of each training window scaled by up to {100 * x:g}%",
    )
    spectral_noise: float | None = option(
        None, _positive, words=lambda x: f"Gaussian noise (SD {x:g}) on each training window"
    )
    batches: str = option(
        "windows",
        _one_of(
            BATCHES,
            "windows (each window on its own), tiles (the same batches, each computed through the tiles "
            "that hold it), grid (whole tiles of the scene as batches) or scene (the whole scene a step, "
            "the loss on a stratified sample of batch_size training pixels)",
        ),
    )
    tile_side: int | None = option(None, _whole(MIN_TILE_SIDE, optional=True), record=False)

    def __post_init__(self) -> None:
        for f in fields(self):
            f.metadata["check"](f.name, getattr(self, f.name))
        if self.mixup is not None and self.cutmix is not None:
            raise UserError("trainer.mixup and trainer.cutmix are both set; set one of them and the other to null.")
        mixed = [name for name in ("mixup", "cutmix") if getattr(self, name) is not None]
        if self.batches != "windows" and mixed:
            raise UserError(
                f"trainer.{mixed[0]} blends whole windows, which trainer.batches={self.batches} does not hold; "
                f"set trainer.{mixed[0]}=null or trainer.batches=windows."
            )

    @classmethod
    def checked(cls, **options) -> TrainerOptions:
        """The options from a config; a key that names no option is one sentence naming the closest."""
        names = [f.name for f in fields(cls)]
        for key in options:
            if key not in names:
                close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
                hint = f" (did you mean trainer.{close[0]}?)" if close else ""
                raise UserError(f"trainer.{key} is not a trainer option{hint}; remove it from the command or config.")
        return cls(**options)

    def record(self) -> dict:
        """The options a run records in ``protocol.training`` (the resolved device, precision and tile side apart)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.metadata["record"]}


def option_words(training: dict) -> list[str]:
    """The words of every option with words that a run (or a trainer config) switched on."""
    out = []
    for f in fields(TrainerOptions):
        value, words = training.get(f.name), f.metadata["words"]
        if words is not None and value is not None and value != f.default:
            out.append(words(value))
    return out


def defaults() -> dict:
    """Every option's default: what a run saved before an option existed did (the resume check reads it so)."""
    return {f.name: f.default for f in fields(TrainerOptions)}
