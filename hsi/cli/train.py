"""``hsi-train``: train one model (or a sweep with ``-m``) and write its report."""

from __future__ import annotations

import difflib
import logging
import shutil
import sys
import tempfile
import traceback
from importlib import resources
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from hsi.cli.common import fail, note_existing_parent, remove_unfinished_run_dir
from hsi.cli.config_keys import check_keys_exist
from hsi.errors import EXIT_INTERRUPTED, RunInterrupted, StoppedOutsideTraining, UserError
from hsi.experiment import train_and_evaluate
from hsi.run_dir import TRAIN_LOG, RunDir

log = logging.getLogger("hsi")


def _record_failure(run_dir: Path, error: BaseException) -> None:
    """In a sweep, a failed job leaves a note so the summary lists it (with its error)."""
    trace = "".join(traceback.format_exception(error)) if not isinstance(error, UserError) else None
    RunDir(run_dir).write_failure(str(error), type(error).__name__, trace)


def _keep_resume_log(hydra_dir: Path, run_dir: Path) -> None:
    """A resumed run writes into the interrupted run's folder; this session's log goes there too."""
    log_file = hydra_dir / TRAIN_LOG
    if log_file.is_file() and hydra_dir.resolve() != run_dir.resolve():
        with open(run_dir / TRAIN_LOG, "a") as out:
            out.write(f"\n# resumed session, first logged in {hydra_dir}\n" + log_file.read_text())


def _stopped_outside_training(stop: StoppedOutsideTraining, hydra_dir: Path, run_dir: Path, resuming: bool) -> None:
    """Ctrl-C where nothing resumable was saved: one sentence, and no folder that looks like a run.

    A folder with only Hydra's record of the start is removed; one with more (maps half-written) gets
    a failure note, so the sweep summary and ``resume=`` both say what it is.
    """
    if resuming:
        _keep_resume_log(hydra_dir, run_dir)
        remove_unfinished_run_dir(hydra_dir)
        what = f"{run_dir} is as it was: continue it with hsi-train resume={run_dir}"
    else:
        remove_unfinished_run_dir(hydra_dir)
        if hydra_dir.is_dir():
            RunDir(hydra_dir).write_failure(f"stopped by Ctrl-C {stop}", "StoppedOutsideTraining", None)
        what = "nothing was saved, so there is nothing to resume; start the run again"
    print(f"hsi-train: stopped by Ctrl-C {stop}; {what}.", file=sys.stderr)
    sys.exit(EXIT_INTERRUPTED)


def _output_folder_is_writable(argv: list[str]) -> None:
    """Hydra creates the run folder before hsi runs; check first that it can, to fail plainly."""
    chosen = [a.split("=", 1)[1] for a in argv if a.startswith(("hydra.run.dir=", "hydra.sweep.dir="))]
    for target in chosen or ["outputs"]:
        parent = Path(target).expanduser().absolute()
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        try:
            tempfile.TemporaryDirectory(dir=parent).cleanup()
        except OSError as exc:
            fail(
                "hsi-train",
                UserError(
                    f"Cannot create the run folder {target} ({exc.strerror or exc}); choose a writable place "
                    "with hydra.run.dir=... (or hydra.sweep.dir=... for -m), or run from a writable folder."
                ),
            )


def _argument(argv: list[str], key: str) -> str | None:
    """The value of ``key=VALUE`` on the command line (the last one wins, as in Hydra)."""
    values = [a.split("=", 1)[1] for a in argv if a.startswith(key + "=")]
    return values[-1] if values else None


def _finished_runs_are_left_alone(argv: list[str]) -> None:
    """Refuse, before Hydra writes anything, a run or sweep folder that holds runs already.

    Hydra writes .hydra/config.yaml, hydra.yaml, overrides.yaml and appends to train.log in the
    job's folder before any hsi code runs; aimed at a finished run, that would rewrite its
    provenance, so the check has to come first.
    """
    multirun = "-m" in argv or "--multirun" in argv
    run_dir = _argument(argv, "hydra.sweep.dir" if multirun else "hydra.run.dir")
    if run_dir is None:
        return  # the default folders carry the time of the start: always new
    folder = Path(run_dir).expanduser()
    candidates = sorted(p for p in folder.glob("*") if p.is_dir()) if multirun else [folder]
    held = [p for p in candidates if RunDir(p).is_finished()]
    if held:
        names = ", ".join(p.name for p in held[:3]) + (", ..." if len(held) > 3 else "")
        what = f"finished runs ({names}), which are" if multirun else "a finished run, which is"
        option = "hydra.sweep.dir" if multirun else "hydra.run.dir"
        fail(
            "hsi-train",
            UserError(f"{folder} already holds {what} never changed; choose another folder with {option}=..."),
        )
    if not multirun and RunDir(folder).is_interrupted():
        fail(
            "hsi-train",
            UserError(
                f"{folder} holds an interrupted run; continue it with hsi-train resume={folder}, "
                "or choose another hydra.run.dir."
            ),
        )


def _launcher_is_available(argv: list[str]) -> None:
    """A SLURM sweep on a machine without SLURM: one sentence instead of submitit's traceback."""
    if _argument(argv, "hydra/launcher") == "slurm" and shutil.which("sbatch") is None:
        fail(
            "hsi-train",
            UserError(
                "hydra/launcher=slurm needs SLURM, but there is no sbatch on this machine; run the "
                "sweep on the cluster's login node, or use hydra/launcher=joblib_cpu here."
            ),
        )


def config_options(group: str) -> list[str] | None:
    """The options of a config group (``model``, ``hydra/launcher``...), or None if there is no such group."""
    folder = resources.files("hsi.configs").joinpath(*group.split("/"))
    if not folder.is_dir():
        return None
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def _user_config_folders(argv: list[str]) -> bool:
    """Config folders of the user's own (``--config-dir``, ``hydra.searchpath``): options these checks cannot see."""
    return any(a in ("--config-dir", "-cd") or a.startswith(("--config-dir=", "hydra.searchpath")) for a in argv)


def _config_choices_exist(argv: list[str]) -> None:
    """``GROUP=OPTION`` naming no config of that group: one sentence with the closest options, not Hydra's page.

    Left to Hydra when the user adds config folders of their own (``--config-dir``, ``hydra.searchpath``),
    whose options this check cannot see."""
    if _user_config_folders(argv):
        return
    for argument in argv:
        group, _, value = argument.lstrip("+").partition("=")
        options = config_options(group) if value and "." not in group and not group.startswith("~") else None
        if options is None:
            continue
        for choice in value.split(","):  # a sweep lists several
            if choice in options or choice == "null":
                continue
            close = difflib.get_close_matches(choice, options, n=3, cutoff=0.6)
            hint = f" (did you mean {' or '.join(close)}?)" if close else ""
            fail(
                "hsi-train",
                UserError(f"{group}={choice} names no {group} config{hint}; the options are: {', '.join(options)}."),
            )


def _config_keys_exist(argv: list[str]) -> None:
    """``KEY=VALUE`` whose key is no setting: one sentence naming the closest key (user config folders aside)."""
    if _user_config_folders(argv):
        return
    try:
        check_keys_exist(argv, is_group=lambda key: config_options(key) is not None)
    except UserError as error:
        fail("hsi-train", error)


def with_start_overrides(argv: list[str]) -> list[str]:
    """With ``resume=RUN``, the overrides RUN was started with, then ``argv``: resuming needs only the folder.

    Overrides given again come later and win; the saved settings still have to agree with the result
    (:func:`hsi.train.resume.load_resume_state`). Hydra's own settings of the first start (its run
    folder, above all) are left out: the session must not write into RUN's ``.hydra`` folder.
    """
    run = _argument(argv, "resume")
    first = RunDir(run).start_overrides() if run else None
    if first is None:
        return argv
    kept = [o for o in first if not o.lstrip("+~").startswith(("hydra.", "hydra/", "resume="))]
    return [*kept, *argv]


def main() -> None:
    """The console script: plain checks of the output folder, the config choices and the launcher, then Hydra."""
    argv = with_start_overrides(sys.argv[1:])
    sys.argv = [sys.argv[0], *argv]  # Hydra reads the overrides from sys.argv
    note_existing_parent(_argument(argv, "hydra.run.dir"))
    _config_choices_exist(argv)
    _config_keys_exist(argv)
    _output_folder_is_writable(argv)
    _finished_runs_are_left_alone(argv)
    _launcher_is_available(argv)
    _main()


def _sweep_job(cfg: DictConfig, run_dir: Path, model_name: str) -> float | None:
    """One job of a sweep: a failure is recorded and the sweep goes on; Ctrl-C stops the whole sweep."""
    if RunDir(run_dir).is_finished():
        log.error("%s already holds a finished run: left as it is", run_dir)
        return None
    try:
        return train_and_evaluate(cfg, run_dir, model_name=model_name)["overall_accuracy"]
    except RunInterrupted as stop:  # this job can be resumed
        print(stop, file=sys.stderr)
        raise SystemExit(EXIT_INTERRUPTED) from None
    except StoppedOutsideTraining as stop:
        logging.shutdown()
        _stopped_outside_training(stop, run_dir, run_dir, resuming=False)
    except Exception as error:  # noqa: BLE001 - every failure is recorded and listed
        log.error("run failed: %s", error)
        _record_failure(run_dir, error)
    return None


@hydra.main(version_base="1.3", config_path="pkg://hsi.configs", config_name="train")
def _main(cfg: DictConfig) -> float | None:
    hydra_cfg = HydraConfig.get()
    hydra_dir = Path(hydra_cfg.runtime.output_dir)
    resuming = bool(cfg.get("resume"))
    run_dir = Path(cfg.resume) if resuming else hydra_dir
    model_name = hydra_cfg.runtime.choices.get("model", "model")
    if cfg.get("logger") and cfg.logger.get("experiment") is None:  # a sweep is one experiment
        cfg.logger.experiment = Path(hydra_cfg.sweep.dir).name if hydra_cfg.mode == RunMode.MULTIRUN else "hsi-train"
    if hydra_cfg.mode == RunMode.MULTIRUN:
        return _sweep_job(cfg, run_dir, model_name)
    try:
        if not resuming and RunDir(run_dir).is_finished():
            raise UserError(f"{run_dir} already holds a finished run; choose another folder with hydra.run.dir=...")
        metrics = train_and_evaluate(cfg, run_dir, model_name=model_name)
    except RunInterrupted as stop:
        logging.shutdown()
        if resuming:
            _keep_resume_log(hydra_dir, run_dir)
            remove_unfinished_run_dir(hydra_dir)
        print(f"hsi-train: {stop}", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
    except StoppedOutsideTraining as stop:
        logging.shutdown()
        _stopped_outside_training(stop, hydra_dir, run_dir, resuming)
    except KeyboardInterrupt:  # between Hydra's start of the job and the run's own handlers
        logging.shutdown()
        _stopped_outside_training(StoppedOutsideTraining("before training began"), hydra_dir, run_dir, resuming)
    except UserError as error:
        logging.shutdown()
        remove_unfinished_run_dir(hydra_dir)
        fail("hsi-train", error)
    if resuming:
        logging.shutdown()
        _keep_resume_log(hydra_dir, run_dir)
        remove_unfinished_run_dir(hydra_dir)
    return metrics["overall_accuracy"]


if __name__ == "__main__":
    main()
