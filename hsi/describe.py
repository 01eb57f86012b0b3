"""The sentences that describe a run's protocol and a sweep's variance study.

Shared by the Markdown reports, the HTML pages and the study scripts, so each says the same
thing in the same words. Pure functions of the metrics and summaries: no files, no figures.
"""

from __future__ import annotations

import math

from hsi.classifiers.self_training import SelfTraining
from hsi.segments import SegmentInputs, SegmentSmoothing
from hsi.train.options import option_words


def split_description(split: dict) -> str:
    name = str(split.get("_target_", "?")).rsplit(".", 1)[-1]
    args = ", ".join(f"{k}={v}" for k, v in split.items() if not k.startswith("_"))
    return f"{name}({args})"


def classifier_settings(training: dict) -> str:
    """A classifier of spectra's settings in words (the SVM, the 1-D CNN): accuracies as percentages, no bare None."""
    words = {
        "cv_accuracy": lambda v: f"cross-validated accuracy {100 * v:.2f}% on the training pixels",
        "components": lambda v: "all bands" if v is None else f"PCA to {v} components",
        "C": lambda v: f"C {v:g}",
        "gamma_scale": lambda v: f"gamma {v:g} / bands",
        "bands": lambda v: f"{v} bands",
        "schedule": lambda v: f"trained by {v}",
    }
    return ", ".join(words[k](v) if k in words else f"{k} {v}" for k, v in training.items())


def training_description(training: dict, best_epoch: int | None) -> str:
    if "epochs" not in training:
        return classifier_settings(training)
    if training.get("epoch_kept") == "last":
        kept = f"kept the last epoch ({best_epoch}), because {training['epoch_kept_because']}"
    else:
        kept = f"kept epoch {best_epoch}: {training.get('epoch_kept_because', 'best validation score')}"
    if training.get("val_every", 1) > 1:
        kept += f" (validated every {training['val_every']} epochs and after the last)"
    batch = f"batch {training['batch_size']}"
    if training.get("batches") == "tiles":
        side = training["tile_side"]
        batch = f"batches of about {training['batch_size']} pixels in {side}x{side}-pixel tiles of the scene"
    elif training.get("batches") == "scene":
        side = training["tile_side"]
        batch = (
            f"the trunk over {side}x{side}-pixel crops of the scene each step (the whole of a square scene that "
            f"size), the loss on a stratified sample of {training['batch_size']} training pixels"
        )
    return (
        f"{training['epochs_run']} of {training['epochs']} epochs, {batch}, "
        f"precision {training['precision']}, device {training['device']}{_then(regularisation_words(training))}; {kept}"
    )


def _then(words: str) -> str:
    return "; " + words if words else ""


INIT_WORDS = {"glorot": "Glorot's rule (Keras's default)", "kaiming": "He's rule for ReLU"}


def start_words(scheme: str | None) -> str:
    """How a network's weights start, in words; empty for PyTorch's own start (the default)."""
    return "" if scheme in (None, "torch") else f"weights started by {INIT_WORDS.get(scheme, scheme)}"


def regularisation_words(training) -> str:
    """The augmentation and regularisation a run (or a trainer config) uses, in words; empty when none is on."""
    parts = []
    if training.get("augment") == "d4":
        parts.append("random flips and rotations of each training window")
    if training.get("tta"):
        parts.append("predictions averaged over the 8 flips and rotations")
    parts += option_words(training)
    parts.append(start_words(training.get("init")))
    return ", ".join(p for p in parts if p)


def preprocessing_line(p: dict) -> str:
    if p.get("classifier_own_preprocessing"):
        return (
            "preprocessing: the classifier's own "
            "(raw spectra standardised on the training pixels; the CNN's PCA unused)"
        )
    seen = " (test pixels included)" if p["pca_saw_test_pixels"] else " (no test pixels)"
    if p.get("reduction") == "bands":
        return (
            f"bands: every band in order ({p['pca_components']}), each standardised on `{p['pca_fit_scope']}` pixels"
            + seen
        )
    return (
        f"PCA: {p['pca_components']} components, whiten={p['pca_whiten']}, fitted on `{p['pca_fit_scope']}` pixels"
        + seen
    )


def aa_label(metrics: dict) -> str:
    """'AA (%)' with the number of classes it averages when some class is untested."""
    tested = metrics.get("average_accuracy_classes")
    total = len(metrics.get("class_names", []))
    return f"AA over {tested} of {total} classes (%)" if tested is not None and tested < total else "AA (%)"


def split_lines(metrics: dict) -> list[str]:
    """The protocol lines about how honest the split is."""
    p = metrics["protocol"]
    lines = [
        f"- leakage: {100 * p['test_pixels_in_training_windows']:.1f}% of test pixels lie inside some training "
        f"window, {100 * p.get('test_windows_overlapping_training_windows', 0.0):.1f}% of test windows overlap "
        f"one; PCA {'saw' if p['pca_saw_test_pixels'] else 'did not see'} test pixels",
        f"- {100 * p.get('labelled_pixels_dropped', 0.0):.1f}% of labelled pixels were dropped by the buffer "
        "around training windows",
    ]
    if "test_pixels_in_training_fields" in p:  # runs recorded before fields were counted lack it
        lines.append(
            f"- fields (8-connected regions of one class): {100 * p['test_pixels_in_training_fields']:.1f}% of "
            "test pixels lie in a field that also has training pixels"
        )
    if p.get("classifier_own_preprocessing"):  # one spectrum per pixel: windows play no part in what it sees
        lines = ["- per-pixel classifier: it reads each pixel's own spectrum, no window around it", *lines[1:]]
    if metrics.get("untested_classes"):
        lines.append(
            f"- untested (no test pixel; accuracy null, left out of AA): {', '.join(metrics['untested_classes'])}"
        )
    lines += [f"- {note}" for note in metrics.get("split_notes", [])]
    return lines


def variance_sentence(group: str, study: dict) -> str:
    s, ci, tests = study["shares"], study["intervals"], study["f_tests"]
    i, j, r = study["grid_shape"]

    def sd(name):  # standard deviations in OA points read more easily than variances
        low, high = ci[name]
        return (
            f"SD {100 * math.sqrt(study['variances'][name]):.2f} points "
            f"({100 * study['confidence']:.0f}% CI {100 * math.sqrt(low):.2f}-{100 * math.sqrt(high):.2f})"
        )

    def share(name):
        return "n/a" if s[name] is None else f"{100 * s[name]:.0f}%"

    def p(name):
        t = tests.get(name)
        return "n/a" if not t or t["p_value"] is None else f"{t['p_value']:.2g}"

    init = "the initialisation and batch order" + (" (with kernel noise: one run per cell)" if r == 1 else "")
    text = (
        f"In `{group}` ({i} split seeds x {j} init seeds nested in each"
        + (f" x {r} replicates" if r > 1 else "")
        + "), "
        f"{share('split')} of the run-to-run variance of OA comes from the split of training pixels, {sd('split')}, "
        f"F test p = {p('split')}; {share('init')} from {init}, {sd('init')}"
    )
    if r > 1:
        text += f", F test p = {p('init')}; {share('noise')} from nondeterministic kernels, {sd('noise')}"
    return text + "."


def segment_lines(training: dict) -> list[str]:
    """The report's lines on segment spectra as inputs and segment smoothing, where the run used them."""
    lines = []
    if section := training.get("segment_inputs"):
        segmentation = SegmentSmoothing(**{k: v for k, v in section.items() if k != "mode"})
        lines.append(f"- input: {SegmentInputs(section['mode'], segmentation).words()}")
    if section := training.get("segments"):
        lines.append(f"- map: {SegmentSmoothing(**section).words()}")
    if section := training.get("self_training"):
        pseudo = ", ".join(f"{n:,}" for n in section["pseudo_labels"])
        words = SelfTraining(section["share"], section["rounds"]).words()
        lines.append(f"- self-training: {words}; pseudo-labels per round: {pseudo}")
    return lines
