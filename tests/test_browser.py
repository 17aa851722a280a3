"""The rendered briefing in a real browser, offline: every figure renders and nothing is fetched."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sahel_analysis.paths import NOTEBOOK_DIR
from sahel_analysis.report import build, plan
from sahel_analysis.report.plan import in_languages

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (CHROMIUM and CHROMEDRIVER),
        reason="needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver); .ci/run installs them",
    ),
]


@pytest.fixture(scope="module")
def briefing_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The briefing of 4 June 2021, in English; its French twin is in fr/ beside it."""
    out = tmp_path_factory.mktemp("site")
    jobs = plan([NOTEBOOK_DIR / "06_briefing.ipynb"], {}, [NOTEBOOK_DIR / "params" / "article-date.yaml"])
    english, french = build(in_languages(jobs, ["en", "fr"]), out, workers=2)
    assert english.status == french.status == "built", english.message + french.message
    return english.output


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        # No DNS and no proxy that answers: a request that tried to leave would fail, and be logged.
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--proxy-server=http://127.0.0.1:9",
        "--window-size=1280,2000",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0},
    )
    yield driver
    driver.quit()


def test_every_figure_renders_and_nothing_leaves_the_page(browser, briefing_html: Path) -> None:
    browser.get(briefing_html.as_uri())
    images = browser.execute_script(
        "return Array.from(document.images).map(i => ({src: i.src.slice(0, 30), complete: i.complete,"
        " natural: i.naturalWidth, width: i.getBoundingClientRect().width,"
        " height: i.getBoundingClientRect().height}));"
    )
    assert len(images) >= 4, "map, troops, costs and timeline"
    for img in images:
        assert img["src"].startswith("data:image/png"), img
        assert img["complete"] and img["natural"] > 0, img
        assert img["width"] > 100 and img["height"] > 100, img
    requested = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requested.append(message["params"]["request"]["url"])
    leaving = [u for u in requested if not u.startswith(("file:", "data:", "about:"))]
    assert requested, "the performance log recorded no request at all: the check would be blind"
    assert leaving == []


def test_print_layout_keeps_figures_within_an_a4_page(browser, briefing_html: Path) -> None:
    browser.get(briefing_html.as_uri())
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    # A4 at 96 dpi is 794 px wide; with 12 mm margins the printable width is about 703 px.
    browser.set_window_size(794, 1123)
    widths = browser.execute_script(
        "return Array.from(document.images).map(i => i.getBoundingClientRect().right);"
    )
    assert widths and max(widths) <= 794


@pytest.mark.parametrize("anchor", ["key-figures", "sources", "fig-costs", "how-this-page-was-made"])
def test_a_link_to_a_section_or_a_chart_lands_on_it(browser, briefing_html: Path, anchor: str) -> None:
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})  # the screen, whatever ran before
    browser.set_window_size(1280, 900)
    browser.get(f"{briefing_html.as_uri()}#{anchor}")
    scrolled, top, bottom = browser.execute_script(
        "const box = document.getElementById(arguments[0]).getBoundingClientRect();"
        "return [window.scrollY, box.top, document.documentElement.scrollHeight - window.innerHeight];",
        anchor,
    )
    assert scrolled > 0, "the page did not move to the anchor"
    # At the top of the window (its scroll margin above it), unless the page ends before it can be.
    assert 0 <= top <= 20 or scrolled >= bottom - 1, (anchor, scrolled, top)


def test_a_heading_links_to_itself(browser, briefing_html: Path) -> None:
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})  # the screen, whatever ran before
    browser.set_window_size(1280, 900)
    browser.get(briefing_html.as_uri())
    href = browser.execute_script(
        "const link = document.querySelector('h2#key-figures a.anchor-link'); link.click(); return location.hash;"
    )
    assert href == "#key-figures"


def test_the_language_switch_leads_to_the_twin_page_and_back(browser, briefing_html: Path) -> None:
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})  # the screen, whatever ran before
    browser.set_window_size(1280, 900)
    browser.get(briefing_html.as_uri())
    french = briefing_html.parent / "fr" / briefing_html.name
    seen = []
    for _ in range(2):  # English to French, and back
        seen.append((browser.current_url, browser.execute_script("return document.documentElement.lang;")))
        browser.execute_script("document.querySelector('a.lang-switch').click();")
    seen.append((browser.current_url, browser.execute_script("return document.documentElement.lang;")))
    assert seen == [(briefing_html.as_uri(), "en"), (french.as_uri(), "fr"), (briefing_html.as_uri(), "en")]
    # The indexes too, each to the other.
    browser.get((briefing_html.parent / "index.html").as_uri())
    browser.execute_script("document.querySelector('a.lang-switch').click();")
    assert browser.current_url == (french.parent / "index.html").as_uri()
    browser.execute_script("document.querySelector('a.lang-switch').click();")
    assert browser.current_url == (briefing_html.parent / "index.html").as_uri()


@pytest.mark.parametrize("anchor", ["after-the-handovers", "key-figures", "fig-costs"])
def test_a_link_to_a_section_lands_on_it_in_the_french_page_too(
    browser, briefing_html: Path, anchor: str
) -> None:
    """The twins share their ids: a reader can send #after-the-handovers to a French reader."""
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    browser.set_window_size(1280, 900)
    french = briefing_html.parent / "fr" / briefing_html.name
    browser.get(f"{french.as_uri()}#{anchor}")
    found, scrolled, top, bottom = browser.execute_script(
        "const el = document.getElementById(arguments[0]); if (!el) return [false, 0, 0, 0];"
        "const box = el.getBoundingClientRect();"
        "return [true, window.scrollY, box.top, document.documentElement.scrollHeight - window.innerHeight];",
        anchor,
    )
    assert found, f"no #{anchor} on the French page"
    assert scrolled > 0 and (0 <= top <= 20 or scrolled >= bottom - 1), (anchor, scrolled, top)
