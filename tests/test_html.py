"""The built pages: alt text on every figure, the data behind each chart, a small stylesheet, the index."""

from __future__ import annotations

import base64
import io
import re
import urllib.parse
from pathlib import Path

import nbformat
import oracle
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
            f"Mali and the French bases on {AS_OF.day} {AS_OF:%B %Y}",  # Babel: no leading zero
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


def test_the_index_shows_a_title_line_and_thumbnail_of_each_page(site: Path) -> None:
    from PIL import Image

    soup = BeautifulSoup((site / "index.html").read_text(encoding="utf-8"), "html.parser")
    items = {li.find("a", class_="page")["href"]: li for li in soup.find_all("li")}
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
        # The entry's title is the page's own, and its line is the notebook's (never a parameter dump).
        assert li.find("a", class_="page").get_text() == page.find("title").get_text()
        assert "=" not in li.find("p").get_text()
    assert items["plain.html"].find("p").get_text() == "A chart drawn without the library."
    sections = [s.find("h2")["id"] for s in soup.find_all("section")]
    assert sections == ["briefings", "analyses"]


def _heading_text(tag) -> str:
    return tag.get_text().removesuffix("¶")


def test_each_page_opens_with_its_reader_title_and_ends_with_how_it_was_made(site: Path) -> None:
    from sahel_analysis import __version__
    from sahel_analysis.report import data_version

    titles = {
        "06_briefing--article-date": f"Mali after the coups, as of {AS_OF.day} {AS_OF:%B %Y}",
        "06_briefing": f"Mali after the coups, as of {oracle.long_date(oracle.latest_data_date())}",
        "plain": "Plain",  # a reader's own notebook: its first heading
    }
    for stem, title in titles.items():
        soup = _page(site, stem)
        (h1,) = soup.find_all("h1")
        assert soup.find("title").get_text() == _heading_text(h1) == title
        assert soup.find("nav").find("a")["href"] == "index.html"
        made = soup.find("footer", class_="page-made")
        assert made is not None and made.find("h2")["id"] == "how-this-page-was-made"
        assert __version__ in made.get_text() and data_version() in made.get_text()
    made = _page(site, "06_briefing--article-date").find("footer", class_="page-made")
    assert [
        (dt.get_text(), dd.get_text())
        for dt, dd in zip(made.find_all("dt"), made.find_all("dd"), strict=True)
    ] == [("as_of", "2021-06-04")]
    assert made.find("pre").get_text() == "sahel-analysis build 06_briefing -p as_of 2021-06-04"
    assert "From the parameter file article-date.yaml." in made.get_text()
    made = _page(site, "06_briefing").find("footer", class_="page-made")
    assert "as_of" in made.get_text() and "the latest data (default)" in made.get_text()
    assert made.find("pre").get_text() == "sahel-analysis build 06_briefing"
    # The notebook's own heading and notes (tagged remove-cell) are not part of the page.
    assert "the future of Barkhane" not in (site / "06_briefing.html").read_text(encoding="utf-8")


def test_every_section_and_chart_has_a_unique_readable_id(site: Path) -> None:
    for page in sorted(site.glob("*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        ids = [tag["id"] for tag in soup.find_all(id=True) if not tag["id"].startswith("cell-id=")]
        assert len(ids) == len(set(ids)), page.name
        assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", i) for i in ids), page.name
        for heading in soup.find_all(["h1", "h2", "h3"]):
            assert heading.get("id"), (page.name, heading)
            assert heading.find("a", class_="anchor-link")["href"] == f"#{heading['id']}"
        for img in soup.select(".jp-RenderedImage img"):
            assert img.parent["id"].startswith("fig-"), page.name
    soup = _page(site, "06_briefing--article-date")
    sections = [h["id"] for h in soup.find_all("h2")]
    assert sections[0] == "key-figures" and "sources" in sections and sections[-1] == "how-this-page-was-made"
    charts = [img.parent["id"] for img in soup.select(".jp-RenderedImage img")]
    assert charts == ["fig-map", "fig-troop-levels", "fig-costs", "fig-events"]
    # The same ids on the page of another date: a link to a section works on every briefing.
    other = [h["id"] for h in _page(site, "06_briefing").find_all("h2")]
    assert other == sections


def test_a_named_set_gives_the_same_bytes_and_a_repeated_default_one_index_entry(tmp_path: Path) -> None:
    """08_place's named set for Gao repeats its defaults; a notebook saved without cell ids (nbformat
    4.4) gets them from papermill, at random unless the build fixes them."""
    gao = NOTEBOOK_DIR / "params" / "08_place" / "gao.yaml"
    both, alone = tmp_path / "both", tmp_path / "alone"
    jobs = plan([NOTEBOOK_DIR / "08_place.ipynb"], {}) + plan([NOTEBOOK_DIR / "08_place.ipynb"], {}, [gao])
    for result in build(jobs, both, workers=2):
        assert result.status == "built", result.message
    (result,) = build(plan([NOTEBOOK_DIR / "08_place.ipynb"], {}, [gao]), alone, workers=1)
    assert result.status == "built", result.message
    for name in ("08_place--gao.html", "08_place--gao.ipynb"):
        assert (both / name).read_bytes() == (alone / name).read_bytes(), name
    index = BeautifulSoup((both / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert [a["href"] for a in index.select("a.page")] == ["08_place--gao.html"]
    assert (both / "08_place.html").is_file()  # built all the same; the index lists it once
