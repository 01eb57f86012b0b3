"""report.html of a run and of a sweep: content, images that resolve, and a real headless browser."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from hsi.sweep import summarise_sweep


class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.links, self.scripts = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs["src"])
        elif tag == "a":
            self.links.append(attrs["href"])
        elif tag in ("script", "link"):
            self.scripts.append(attrs)


def _refs(page: Path) -> _Refs:
    parser = _Refs()
    parser.feed(page.read_text())
    return parser


@pytest.fixture(scope="module")
def sweep_folder(finished_run, tmp_path_factory):
    """A sweep folder of two copies of a real run (different seeds) and one failed job."""
    sweep = tmp_path_factory.mktemp("sweep")
    for job, seed in (("0", 0), ("1", 1)):
        shutil.copytree(finished_run, sweep / job)
        (sweep / job / ".hydra" / "overrides.yaml").write_text(f"- seed={seed}\n")
        metrics = json.loads((sweep / job / "metrics.json").read_text())
        metrics["protocol"].update(split_seed=seed, init_seed=seed)
        (sweep / job / "metrics.json").write_text(json.dumps(metrics))
    (sweep / "2" / ".hydra").mkdir(parents=True)
    (sweep / "2" / ".hydra" / "overrides.yaml").write_text("- seed=2\n")
    (sweep / "2" / "failed.json").write_text(json.dumps({"error": "Class 3 (forest) has only 2 labelled pixels"}))
    summarise_sweep(sweep)
    return sweep


def test_run_page_shows_the_numbers_classes_and_images(finished_run):
    page = finished_run / "report.html"
    html = page.read_text()
    metrics = json.loads((finished_run / "metrics.json").read_text())
    assert f"{100 * metrics['overall_accuracy']:.2f}" in html and f"{100 * metrics['kappa']:.2f}" in html
    for name in ("water", "field", "forest", "town"):
        assert f">{name}<" in html
    refs = _refs(page)
    assert {"confusion.png", "curves.png", "maps/overview.png", "maps/errors.png", "maps/false_colour.png"} <= set(
        refs.images
    )
    for ref in refs.images + refs.links:
        assert (finished_run / ref).is_file(), ref
    assert not refs.scripts  # nothing fetched, nothing executed
    assert 'name="viewport"' in html
    # every figure opens full size; only label maps are drawn pixel by pixel
    assert {"confusion.png", "curves.png", "maps/overview.png"} <= set(refs.links)
    assert '<figure class="map"><a href="maps/errors.png">' in html
    assert '<figure class="wide"><a href="confusion.png">' in html
    # the files a user most wants are linked, and Markdown's backticks became code, not literal text
    assert {"metrics.json", "maps/prediction.tif"} <= set(refs.links)
    assert "`" not in html.split("<body")[1] and "<code>all</code>" in html


def test_sweep_page_shows_groups_failures_and_links_to_runs(sweep_folder):
    page = sweep_folder / "report.html"
    html = page.read_text()
    summary = json.loads((sweep_folder / "summary.json").read_text())
    oa = summary["groups"]["(defaults)"]["OA"]
    assert f"{100 * oa['mean']:.2f}" in html
    assert "2 of 3 runs finished" in html
    assert "Class 3 (forest) has only 2 labelled pixels" in html and 'class="text failed"' in html
    refs = _refs(page)
    assert {"0/report.html", "1/report.html"} <= set(refs.links)
    assert "summary.png" in refs.images
    for ref in refs.images + refs.links:
        assert (sweep_folder / ref).is_file(), ref


def _browser():
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[dev]')")
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        pytest.skip("Debian's chromium and chromium-driver are not installed (.ci/run installs them)")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=600,1400",
    ):
        options.add_argument(flag)
    # A phone's viewport (desktop Chrome will not make its window narrower than 500 pixels).
    options.add_experimental_option(
        "mobileEmulation", {"deviceMetrics": {"width": 360, "height": 1400, "pixelRatio": 1}}
    )
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(driver), options=options)


@pytest.mark.slow
@pytest.mark.parametrize("which", ["run", "sweep"])
def test_pages_in_a_real_headless_browser(finished_run, sweep_folder, tmp_path, which):
    folder = finished_run if which == "run" else sweep_folder
    browser = _browser()
    try:
        browser.get((folder / "report.html").as_uri())
        broken = browser.execute_script(
            "return Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
        )
        assert broken == []
        assert browser.execute_script("return document.images.length") >= (5 if which == "run" else 1)
        errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
        assert errors == []
        # readable on a phone: nothing wider than the window but the scrolling tables
        viewport, width = browser.execute_script("return [window.innerWidth, document.documentElement.scrollWidth]")
        assert viewport == 360 and width <= viewport
        shot = tmp_path / f"{which}.png"
        browser.save_screenshot(str(shot))
        assert shot.stat().st_size > 10_000
        shots = Path(__file__).parent.parent / "outputs" / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, shots / f"{which}_report.png")  # for a person to look at (git-ignored)
    finally:
        browser.quit()
    assert re.search(r"<title>.+</title>", (folder / "report.html").read_text())
