"""The run folder: the name of every file a run writes at its top level, and the only code that
reads or writes its saved state (checkpoint, resume state, split, metrics, failure note).

hsi-train writes a run folder; hsi-map, hsi-predict, the sweep summary, the trackers and the
scripts read one. They all go through :class:`RunDir`, so a file's name and format live here
and nowhere else. ``metrics.json`` is written last: its presence marks a finished run.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from omegaconf import DictConfig, OmegaConf

from hsi.classifiers import Classifier, SceneInputs, as_classifier, with_segments
from hsi.config import build
from hsi.errors import UserError
from hsi.files import strict_json, write_atomically
from hsi.preprocess import SpectralPCA
from hsi.splits import Split
from hsi.train import load_checkpoint, resolve_device, resolve_precision, save_checkpoint
from hsi.train.resume import refusal_of_changed_settings

METRICS = "metrics.json"
CHECKPOINT = "checkpoint.pt"
RESUME = "resume.pt"
INCOMPLETE = "incomplete.json"
FAILED = "failed.json"
REPORT_MD = "report.md"
REPORT_HTML = "report.html"
PER_CLASS_CSV = "per_class.csv"
CONFUSION_PNG = "confusion.png"
CURVES_PNG = "curves.png"
RELIABILITY_PNG = "reliability.png"
SPLIT_NPZ = "split.npz"
TRAIN_LOG = "train.log"
MAPS = "maps"
START_OVERRIDES = ".hydra/overrides.yaml"  # Hydra's record of the command line the run started with
START_CONFIG = ".hydra/config.yaml"  # and of the config it composed from it
CHECKPOINT_FORMAT = "hsi-checkpoint-1"
RESUME_FORMAT = "hsi-resume-1"


@dataclass
class FinishedRun:
    """What a finished run saved, loaded: its classifier, PCA, classes, config and raw checkpoint."""

    classifier: Classifier
    pca: SpectralPCA
    class_names: list[str]
    config: DictConfig
    checkpoint: dict

    @property
    def model_name(self) -> str:
        return str(self.checkpoint["model_name"])

    @property
    def window(self) -> int:
        return int(self.config.preprocess.window)

    @property
    def split(self) -> Split:
        return RunDir.saved_split(self.checkpoint)

    @property
    def scene_shape(self) -> tuple[int, int]:
        return tuple(self.checkpoint["scene_shape"])

    def inputs(self, cube: np.ndarray) -> SceneInputs:
        """A cube with the run's bands as the classifier reads it: through the run's PCA, its windows."""
        return SceneInputs.from_cube(cube, self.pca, self.window, self.config.preprocess.padding)


class RunDir:
    """One run's folder; every path and every saved record of a run goes through it."""

    def __init__(self, path: str | Path):
        self.path = Path(path).expanduser()

    def __repr__(self) -> str:
        return f"RunDir({str(self.path)!r})"

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def maps(self) -> Path:
        return self.path / MAPS

    def is_finished(self) -> bool:
        return (self.path / METRICS).is_file()

    def is_interrupted(self) -> bool:
        return (self.path / RESUME).is_file()

    # -- metrics and failures ---------------------------------------------------------------
    def write_metrics(self, metrics: dict) -> None:
        """Written last of all a run's files: from then on the run counts as finished."""
        write_atomically(self.path / METRICS, strict_json(metrics))

    def read_metrics(self) -> dict:
        return json.loads((self.path / METRICS).read_text())

    def write_failure(self, error: str, kind: str, traceback: str | None) -> None:
        """A failed job of a sweep leaves this note, so the summary lists it with its error."""
        self.path.mkdir(parents=True, exist_ok=True)
        payload = {"error": error, "type": kind, "traceback": traceback}
        write_atomically(self.path / FAILED, json.dumps(payload, indent=2) + "\n")

    def failure(self) -> str | None:
        """The error a failed job recorded, or None when it recorded none."""
        if not (self.path / FAILED).is_file():
            return None
        return json.loads((self.path / FAILED).read_text()).get("error", "unknown error")

    # -- the finished run's checkpoint and split --------------------------------------------
    def save_checkpoint(
        self, model_state: dict, model_name: str, cfg: DictConfig, pca_state: dict, scene, split: Split
    ):
        """Weights plus everything needed to predict a scene later (``checkpoint.pt``) and the split's masks."""
        payload = {
            "format": CHECKPOINT_FORMAT,
            "model_state": model_state,
            "model_name": model_name,
            "config": OmegaConf.to_container(cfg, resolve=True),
            "pca": pca_state,
            "class_names": list(scene.class_names),
            "split": split.state_dict(),
            "scene_shape": list(scene.shape),
        }
        save_checkpoint(self.path / CHECKPOINT, payload)
        self._save_split_masks(split, scene.shape)

    def _save_split_masks(self, split: Split, shape: tuple[int, int]) -> None:
        """``split.npz``: the split as boolean masks, reusable with ``split=masks``."""
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **split.masks(shape))
        write_atomically(self.path / SPLIT_NPZ, buffer.getvalue())

    def load_checkpoint(self) -> dict:
        if not self.path.is_dir():
            raise UserError(f"{self.path} is not a folder; give the run folder that hsi-train wrote.")
        return load_checkpoint(self.path / CHECKPOINT)

    @staticmethod
    def saved_split(checkpoint: dict) -> Split:
        """The split a checkpoint or resume state holds, to the pixel."""
        return Split.from_state_dict(checkpoint["split"])

    def load(self, precision: str = "auto", device: str = "auto") -> FinishedRun:
        """The finished run's classifier (ready to predict), PCA, classes and config."""
        checkpoint = self.load_checkpoint()
        cfg = OmegaConf.create(checkpoint["config"])
        if not checkpoint["model_state"]:
            raise UserError(
                "This run's checkpoint holds no fitted model (an SVM run of an hsi older than 0.2 saved "
                "none); train it again to render its maps."
            )
        class_names = list(checkpoint["class_names"])
        pca = SpectralPCA.from_state_dict(checkpoint["pca"])
        window = int(cfg.preprocess.window)
        model = build(cfg.model, "model", in_bands=pca.num_components, window=window, num_classes=len(class_names))
        torch_device = resolve_device(device)
        classifier = as_classifier(
            model,
            precision=resolve_precision(precision, torch_device),
            device=torch_device,
            tta=bool(cfg.get("trainer", {}).get("tta", False)),  # predict as the run evaluated
        )
        classifier.load_state_dict(checkpoint["model_state"])
        classifier = with_segments(classifier, cfg.get("segments"))  # maps as the run made its own
        return FinishedRun(classifier, pca, class_names, cfg, checkpoint)

    # -- interrupted runs ---------------------------------------------------------------------
    def save_interrupted(self, trainer_state: dict, cfg: DictConfig, model_name: str, pca_state: dict, split: Split):
        """``resume.pt`` plus a note and a report.md that mark the run incomplete (never counted as finished)."""
        epoch, epochs = trainer_state["epoch"], cfg.trainer.epochs
        payload = {
            "format": RESUME_FORMAT,
            "trainer": trainer_state,
            "config": OmegaConf.to_container(cfg, resolve=True),
            "model_name": model_name,
            "pca": pca_state,
            "split": split.state_dict(),
        }
        save_checkpoint(self.path / RESUME, payload)
        note = {
            "status": "interrupted",
            "epochs_done": epoch,
            "epochs": epochs,
            "resume": f"hsi-train resume={self.path}",
        }
        write_atomically(self.path / INCOMPLETE, json.dumps(note, indent=2) + "\n")
        write_atomically(
            self.path / REPORT_MD,
            (
                f"# INCOMPLETE: interrupted after epoch {epoch} of {epochs}\n\n"
                f"No accuracy figures yet. Continue the run with\n\n    hsi-train resume={self.path}\n\n"
                "(the overrides of the first start come from the run folder); it picks up from the end of that epoch.\n"
            ),
        )

    def load_resume_state(self, cfg: DictConfig) -> dict:
        """The saved state of an interrupted run, refused when its config differs from ``cfg``."""
        path = self.path / RESUME
        if not self.path.is_dir():
            raise UserError(
                f"There is no run folder {self.path}; a run stopped before training began leaves none "
                "(nothing to resume: start it again), otherwise check the path."
            )
        if not path.is_file():
            if self.is_finished():
                reason = "it is a finished run, nothing to resume."
            elif self.failure() is not None:
                reason = f"it ended without a resumable state ({self.failure()}); start the run again."
            else:
                reason = "only a run stopped by Ctrl-C or SIGTERM during training can be resumed."
            raise UserError(f"{self.path} has no {RESUME}: {reason}")
        state = load_checkpoint(path)
        refusal = refusal_of_changed_settings(state["config"], OmegaConf.to_container(cfg, resolve=True))
        if refusal:
            raise UserError(f"{path} was saved with other settings; {refusal}")
        return state

    def clear_interrupted(self) -> None:
        """A resumed run that finished is complete: its resume state and note go."""
        for leftover in (RESUME, INCOMPLETE):
            (self.path / leftover).unlink(missing_ok=True)

    def start_overrides(self) -> list[str] | None:
        """The overrides the run was started with (Hydra's record), or None where there is no record."""
        path = self.path / START_OVERRIDES
        return [str(o) for o in yaml.safe_load(path.read_text()) or []] if path.is_file() else None

    def start_config(self) -> dict:
        """The config Hydra composed at the start ({} where there is no record)."""
        path = self.path / START_CONFIG
        return (yaml.safe_load(path.read_text()) or {}) if path.is_file() else {}

    @staticmethod
    def find(folder: str | Path) -> list[RunDir]:
        """Every run folder under ``folder`` (each holds Hydra's record of its start), sorted by path."""
        return [RunDir(p.parents[1]) for p in sorted(Path(folder).rglob(START_OVERRIDES))]
