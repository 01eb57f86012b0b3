"""docs/honest.md's comparison for new ground against the runs it reports: every mean, SD, paired difference
and interval of its table is what `studies/tables.py unseen` computes from the committed per-run CSVs."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORTS = sorted((ROOT / "studies" / "unseen").glob("report*.csv"))


def _tables():
    spec = importlib.util.spec_from_file_location("study_tables", ROOT / "studies" / "tables.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _printed_unseen() -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        _tables().unseen(REPORTS)
    return out.getvalue()


def test_every_figure_of_the_new_ground_table_comes_from_the_committed_runs():
    printed = _printed_unseen()
    page = (ROOT / "docs" / "honest.md").read_text()
    section = page.split("## For a map of new ground", 1)[1].split("\n### ", 1)[0]
    means = re.findall(r"\| (\d+\.\d\d ± \d+\.\d\d) \|", printed)
    differences = re.findall(r"\| ([+-]\d+\.\d\d) \| (\[[+-]\d+\.\d\d, [+-]\d+\.\d\d\]) \|", printed)
    assert len(means) >= 12 and len(differences) >= 12, printed
    for figure in means:
        assert figure in section, f"docs/honest.md lacks the mean ± SD {figure} that the runs give"
    for mean, interval in differences:
        assert f"{mean} | {interval}" in section, f"docs/honest.md lacks the difference {mean} {interval}"
    # and nothing in the page's tables that the runs do not give
    assert len(re.findall(r"\| \**\d+\.\d\d ± \d+\.\d\d\** \|", section)) == len(means)
    assert len(re.findall(r"\| [+-]\d+\.\d\d \| \[", section)) == len(differences)


def test_a_csv_row_is_grouped_by_the_split_and_window_its_settings_compose_to(tmp_path):
    columns = "run,model,settings,split_seed,init_seed,replicate,OA,AA,kappa\n"
    rows = [
        "a/0,svm,experiment=unseen split=fields preprocess.window=15,0,0,0,50.00,40,30\n",
        "a/1,svm,experiment=unseen split=fields preprocess.window=15,1,1,0,60.00,40,30\n",
        "b/0,svm,experiment=honest model=svm,0,0,0,40.00,40,30\n",
        "c/0,hybridsn,experiment=honest model=hybridsn trainer.spectral_scale=0.2 trainer.spectral_noise=0.1,"
        "0,0,0,30.00,40,30\n",
    ]
    path = tmp_path / "runs.csv"
    path.write_text(columns + "".join(rows))
    runs = list(_tables()._unseen_runs_of_csv(path))
    assert runs == [
        (("fields", 15, "svm + segments of 20 px"), 0, 0.5),
        (("fields", 15, "svm + segments of 20 px"), 1, 0.6),
        (("disjoint", 25, "svm"), 0, 0.4),
        (("disjoint", 25, "hybridsn + spectral scale 0.2, noise 0.1"), 0, 0.3),
    ]
