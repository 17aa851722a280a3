"""The built pages: alt text on every figure, the data behind each chart, a small stylesheet, the index."""

from __future__ import annotations

import base64
import io
import urllib.parse
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from sahel_analysis import select, tables
from sahel_analysis.paths import NOTEBOOK_DIR
from sahel_analysis.report import build, plan

pytestmark = pytest.mark.slow

PLACEHOLDER = "No description has been provided for this image"
AS_OF = pd.Timestamp("2021-06-04")  # the date of notebooks/params/article-date.yaml


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    # A notebook that draws with matplotlib alone: no helper describes its chart.
    plain = tmp_path_factory.mktemp("nbs") / "plain.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Plain\n\nA chart drawn without the library."),
        nbformat.v4.new_code_cell(
            "%matplotlib inline\nimport matplotlib.pyplot as plt\n"
            "fig, ax = plt.subplots()\nax.plot([1, 2, 3])\nax.set_title('Three <points> & \"a line\"')"
        ),
    ]
    nbformat.write(nb, plain)
    jobs = plan([NOTEBOOK_DIR / "06_briefing.ipynb"], {}, [NOTEBOOK_DIR / "params" / "article-date.yaml"])
    jobs += plan([NOTEBOOK_DIR / "06_briefing.ipynb", NOTEBOOK_DIR / "02_troop_levels.ipynb", plain], {})
    for result in build(jobs, out, workers=2):
        assert result.status == "built", result.message
    return out


def _page(site: Path, stem: str) -> BeautifulSoup:
    return BeautifulSoup((site / f"{stem}.html").read_text(encoding="utf-8"), "html.parser")


def _csv(href: str) -> pd.DataFrame:
    head, _, body = href.partition(",")
    assert head.startswith("data:text/csv"), head
    raw = base64.b64decode(body).decode("utf-8") if head.endswith(";base64") else urllib.parse.unquote(body)
    return pd.read_csv(io.StringIO(raw), dtype=str, keep_default_na=False)


def test_every_figure_says_what_it_shows(site: Path) -> None:
    titles = {
        "06_briefing--article-date": [
            f"Mali and the French bases on {AS_OF:%d %B %Y}",
            "French troops in Mali and the Sahel",
            "Cost of the French operations",
            "Mali and the Sahel, ",
        ],
        "02_troop_levels": ["French troops in Mali and the Sahel"],
        "plain": ['Three <points> & "a line"'],
    }
    for stem, expected in titles.items():
        images = _page(site, stem).find_all("img")
        assert len(images) == len(expected), stem
        for img, title in zip(images, expected, strict=True):
            alt = img.get("alt", "")
            assert alt.strip() and PLACEHOLDER not in alt, (stem, alt)
            assert alt.startswith(title), (stem, alt)
    # Markup and quotes in a title stay text inside the attribute: no tag, no attribute injected.
    (img,) = _page(site, "plain").find_all("img")
    assert img["alt"] == 'Three <points> & "a line".'
    assert set(img.attrs) == {"alt", "src"} and _page(site, "plain").find("points") is None


def test_each_chart_offers_the_rows_it_drew_with_their_sources(site: Path) -> None:
    soup = _page(site, "06_briefing--article-date")
    links = {a["download"]: a for a in soup.select("p.chart-data a")}
    assert set(links) == {"map.csv", "troop-levels.csv", "costs.csv", "events.csv"}
    known = set(tables.load_sources()["id"])
    for name, link in links.items():
        rows = _csv(link["href"])
        assert len(rows) and "source_id" in rows.columns, name
        assert {s for cell in rows["source_id"] for s in cell.split(";") if s} <= known, name
    # What the notebook drew: the troop figures and events known on the date, the bases held that day.
    troops = select.window(tables.load_troop_levels(as_of=AS_OF), None, AS_OF)
    assert list(_csv(links["troop-levels.csv"]["href"])["id"]) == list(troops["id"])
    assert list(_csv(links["events.csv"]["href"])["id"]) == list(tables.load_events(as_of=AS_OF)["id"])
    bases = _csv(links["map.csv"]["href"]).query("layer == 'base'")
    assert set(bases["id"]) == set(select.bases_as_of(tables.load_presence(), AS_OF.date())["id"])
    assert _page(site, "plain").select("p.chart-data") == [], "nothing recorded, no link"


def test_the_stylesheet_is_small_and_nothing_is_fetched(site: Path) -> None:
    for page in site.glob("*.html"):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        css = sum(len(style.get_text().encode("utf-8")) for style in soup.find_all("style"))
        assert 0 < css < 40_000, (page.name, css)
        assert not soup.find_all("link", rel="stylesheet") and not soup.find_all("script", src=True)
        for img in soup.find_all("img"):
            assert img["src"].startswith("data:image/png;base64,"), page.name


def test_the_index_shows_parameters_and_a_thumbnail_of_each_first_figure(site: Path) -> None:
    from PIL import Image

    soup = BeautifulSoup((site / "index.html").read_text(encoding="utf-8"), "html.parser")
    items = {li.find("a", string=True)["href"]: li for li in soup.find_all("li")}
    assert set(items) == {
        "06_briefing--article-date.html",
        "06_briefing.html",
        "02_troop_levels.html",
        "plain.html",
    }
    for href, li in items.items():
        (img,) = li.find_all("img")
        assert img["src"].startswith("data:image/png;base64,") and img["alt"].startswith("First figure of"), (
            href
        )
        thumb = Image.open(io.BytesIO(base64.b64decode(img["src"].partition(",")[2])))
        page = BeautifulSoup((site / href).read_text(encoding="utf-8"), "html.parser")
        first = Image.open(io.BytesIO(base64.b64decode(page.find("img")["src"].partition(",")[2])))
        # The page's first figure, scaled down with its proportions kept.
        assert thumb.width < first.width
        assert thumb.height / thumb.width == pytest.approx(first.height / first.width, abs=0.01)
    params = {href: li.find("p", class_="params").get_text() for href, li in items.items()}
    assert params["06_briefing--article-date.html"] == f"as_of = {AS_OF:%Y-%m-%d}"
    assert params["06_briefing.html"] == "as_of: the latest data (default)"
    assert params["02_troop_levels.html"] == "default parameters"
    header = _page(site, "06_briefing").find("header").get_text(" ")
    assert "as_of: the latest data" in header
