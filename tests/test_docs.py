"""The manual in docs/: links that resolve, pages a reader can finish, figures with their study."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "studies").rglob("*.md")])
MANUAL = sorted((ROOT / "docs").glob("*.md"))
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_every_relative_link_resolves(page):
    missing = [
        target
        for target in LINK.findall(page.read_text())
        if not target.startswith(("http://", "https://", "mailto:")) and not (page.parent / target).exists()
    ]
    assert not missing, f"{page.relative_to(ROOT)} links to what is not there: {missing}"


@pytest.mark.parametrize("page", MANUAL, ids=[p.name for p in MANUAL])
def test_no_manual_page_is_longer_than_300_lines(page):
    assert len(page.read_text().splitlines()) <= 300


@pytest.mark.parametrize("page", MANUAL, ids=[p.name for p in MANUAL])
def test_every_study_a_manual_page_links_holds_its_command_and_results(page):
    folders = {
        (page.parent / target).resolve().parent if target.endswith(".md") else (page.parent / target).resolve()
        for target in LINK.findall(page.read_text())
        if "studies/" in target and "history" not in target and not target.endswith("studies/README.md")
    }
    for folder in folders:
        readme = folder / "README.md"
        assert readme.is_file(), f"{page.name} cites {folder.name}, which has no README"
        assert "    " in readme.read_text(), f"{folder.name}/README.md gives no command"
        assert list(folder.glob("*.csv")), f"{folder.name} holds no results CSV"
