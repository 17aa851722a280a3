"""The French edition: every page has a French twin, the two link to each other, and a French page
shows no English message of the catalogue, with Babel's French numbers and dates.

One build of every notebook in both languages (the briefing and the dossier through a named set),
as ``make briefings`` builds them. The catalogue tests read the committed ``.po`` and ``.pot``.
"""

from __future__ import annotations

import functools
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.dates import get_month_names
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup

from sahel_analysis.i18n import DOMAIN, LOCALE_DIR
from sahel_analysis.paths import NOTEBOOK_DIR
from sahel_analysis.report import build, plan
from sahel_analysis.report.plan import in_languages

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
FRENCH = LOCALE_DIR / "fr" / "LC_MESSAGES" / f"{DOMAIN}.po"

# Messages a French page may show in their English words, each for a reason of its own:
ALLOWED = {
    # The download link's label; the pages also name the data folder, data/sources.csv, in French text.
    "data",
    # The events table's column, a French word too ("sur place", "mise en place" in the record's text).
    "place",
    # A chart's column header, a French verb too ("une empreinte ... qui change dès qu'un fichier ...").
    "change",
}
PLACEHOLDER = re.compile(r"\{\w*\}|%\(\w+\)s")
# The tables' columns that quote the sources in their own language: publishers, titles, addresses.
QUOTED = ("Publisher", "Title", "URL", "sources", "Sources")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    analyses = [NOTEBOOK_DIR / f"{n}.ipynb" for n in ("01_map", "02_troop_levels", "03_costs", "04_timeline")]
    analyses += [NOTEBOOK_DIR / "05_conflict_events.ipynb", NOTEBOOK_DIR / "07_footprint.ipynb"]
    jobs = plan(analyses, {})
    jobs += plan([NOTEBOOK_DIR / "06_briefing.ipynb"], {}, [NOTEBOOK_DIR / "params" / "article-date.yaml"])
    jobs += plan([NOTEBOOK_DIR / "08_place.ipynb"], {}, [NOTEBOOK_DIR / "params" / "08_place" / "kidal.yaml"])
    for result in build(in_languages(jobs, ["en", "fr"]), out, workers=2):
        assert result.status == "built", result.message
    return out


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _pages(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.html") if p.name != "index.html")


def _switch(page: Path) -> Path:
    """Where the page's language switch leads, as a file."""
    (link,) = _soup(page).select("a.lang-switch")
    return (page.parent / link["href"]).resolve()


@pytest.mark.slow
def test_every_english_page_has_a_french_twin_and_each_links_to_the_other(site: Path) -> None:
    english = _pages(site)
    assert len(english) == 8
    assert [p.name for p in _pages(site / "fr")] == [p.name for p in english]
    for page in [*english, site / "index.html"]:
        twin = site / "fr" / page.name
        assert _switch(page) == twin.resolve(), page.name
        assert _switch(twin) == page.resolve(), page.name
        assert _soup(page).html["lang"] == "en" and _soup(twin).html["lang"] == "fr"
        (link,) = _soup(page).select("a.lang-switch")
        assert (link["hreflang"], link.get_text()) == ("fr", "Français")
    # Each index lists the pages of its own edition.
    for folder in (site, site / "fr"):
        listed = {a["href"] for a in _soup(folder / "index.html").select("a.page")}
        assert listed == {p.name for p in _pages(folder)}


@pytest.mark.slow
def test_twin_pages_share_their_section_and_chart_ids(site: Path) -> None:
    """A link to a section (#after-the-handovers) works on both twins: ids come from the English
    words. The page's title (h1) is its own words in each language."""

    def ids(page: Path) -> list[str]:
        soup = _soup(page)
        sections = [h["id"] for h in soup.find_all(["h2", "h3", "h4"])]
        return sections + [tag["id"] for tag in soup.find_all(id=re.compile("^fig-"))]

    for page in _pages(site):
        assert ids(page) == ids(site / "fr" / page.name), page.name
    assert "after-the-handovers" in ids(site / "fr" / "06_briefing--article-date.html")


def _shown_text(page: Path) -> str:
    """What a reader of ``page`` reads in the page's own words: its text and alt texts, without code,
    the permalink marks, and the columns that quote sources in their own language (publishers,
    titles, addresses)."""
    soup = _soup(page)
    for tag in soup(["style", "script", "code", "pre"]):
        tag.decompose()
    # Permalink marks, the language switch, and the parameters' names (identifiers, as -p takes them).
    for tag in soup.select("a.anchor-link, a.lang-switch, footer.page-made dt"):
        tag.decompose()
    quoted = {h for english in QUOTED for h in (english, _french(english)) if h}
    for table in soup.find_all("table"):
        heads = [th.get_text(strip=True) for th in table.select("thead tr")[0].find_all("th")]
        for row in table.select("tbody tr"):
            for head, cell in zip(heads, row.find_all(["th", "td"]), strict=False):
                if head in quoted:
                    cell.decompose()
    alts = [img.get("alt", "") for img in soup.find_all("img")]
    return _own_words(" ".join([soup.get_text(" "), *alts]))


def _own_words(text: str) -> str:
    """``text`` without the names that are the same in every language: file names (a chart's download,
    data/sources.csv, a parameter file) and the datasets' own titles ("UCDP Georeferenced Event Dataset")."""
    from sahel_analysis.events.formats import ATTRIBUTION

    for title in ATTRIBUTION.values():
        text = text.replace(title, "")
    text = re.sub(r"[\w./-]+\.(?:csv|yaml)\b", "", text.replace("\xa0", " "))
    return " ".join(text.split())


@functools.cache
def _catalogue(path: Path):
    with path.open("rb") as fp:
        return read_po(fp, locale="fr" if path.suffix == ".po" else None, domain=DOMAIN)


def _french(english: str) -> str:
    message = _catalogue(FRENCH).get(english)
    return message.string if message is not None and isinstance(message.string, str) else ""


def _markdown_text(markdown: str) -> list[str]:
    """A notebook cell's paragraphs as a page shows them (rendered, then as text)."""
    import mistune

    soup = BeautifulSoup(mistune.html(markdown), "html.parser")
    for tag in soup(["code", "pre"]):
        tag.decompose()
    blocks = [" ".join(tag.get_text(" ").split()) for tag in soup.find_all(["p", "h1", "h2", "h3", "li"])]
    return [b for b in blocks if len(b) >= 12]


def _pieces(message: str) -> list[str]:
    """The words of a message between its placeholders that could only come from it."""
    if "\n" in message.strip() or message.lstrip().startswith(("#", "<h")):
        return _markdown_text(message)
    return [p.strip(" ,.;:()–-") for p in PLACEHOLDER.split(message) if sum(c.isalpha() for c in p) >= 4]


def _found(piece: str, text: str) -> bool:
    edge = r"(?<![\w])" if piece[:1].isalnum() else ""
    end = r"(?![\w])" if piece[-1:].isalnum() else ""
    return re.search(edge + re.escape(" ".join(piece.split())) + end, text) is not None


@pytest.mark.slow
def test_no_english_message_is_left_on_a_french_page(site: Path) -> None:
    """Each English message of the catalogue, looked for in every French page (whole words, every
    piece between its placeholders found). Words the translation itself uses ("Article", "date",
    "base") and the few messages in ``ALLOWED`` are not evidence of anything."""
    pages = {page.name: _shown_text(page) for page in [*_pages(site / "fr"), site / "fr" / "index.html"]}
    left = _left_in(pages)
    shown = "\n".join(f"  {m!r} on {', '.join(names)}" for m, names in sorted(left.items()))
    assert not left, f"{len(left)} English messages on French pages:\n{shown}"


@pytest.mark.slow
def test_french_pages_write_numbers_and_dates_the_french_way(site: Path) -> None:
    months = "|".join(get_month_names("wide", locale="fr").values())
    for name in ("02_troop_levels.html", "06_briefing--article-date.html", "index.html"):
        text = _soup(site / "fr" / name).get_text(" ")
        # Babel's French groups thousands with a narrow no-break space (U+202F), CLDR's older data with U+00A0.
        assert re.search(r"\d[\u202f\u00a0]\d{3}\b", text), name
        assert re.search(rf"\b(?:{months}) \d{{4}}\b", text), name
        english = _soup(site / name).get_text(" ")
        assert re.search(r"\d,\d{3}\b", english) and not re.search(r"\d\u202f\d{3}\b", english), name


def _compile_statistics() -> str:
    """What ``pybabel compile --statistics`` says of the French catalogue (compiled to a throwaway file)."""
    import tempfile

    pybabel = Path(sys.executable).with_name("pybabel")
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            [str(pybabel), "compile", "--statistics", "-l", "fr", "-i", str(FRENCH), "-o", f"{tmp}/x.mo"],
            capture_output=True,
            text=True,
            check=True,
        )
    return done.stdout + done.stderr


def test_the_french_catalogue_is_complete() -> None:
    """``pybabel compile --statistics``: every message translated, none fuzzy."""
    said = _compile_statistics()
    match = re.search(r"(\d+) of (\d+) messages \(\d+%\) translated", said)
    assert match, said
    done, total = int(match.group(1)), int(match.group(2))
    fuzzy = re.search(r"(\d+) fuzzy", said)
    untranslated = [m.id for m in _catalogue(FRENCH) if m.id and not all(_forms(m.string))]
    assert total == len([m for m in _catalogue(FRENCH) if m.id]), said
    first = "".join(f"\n  {m if isinstance(m, str) else m[0]!r}"[:100] for m in untranslated[:10])
    assert done == total and not fuzzy, (
        f"{total - done} of {total} messages untranslated, {fuzzy.group(1) if fuzzy else 0} fuzzy "
        f"({FRENCH.relative_to(ROOT)}); the first:{first}"
    )


def _forms(string: object) -> tuple:
    return string if isinstance(string, tuple) else (string,)


def test_the_template_holds_every_message_of_the_code() -> None:
    """``scripts/update_catalog.py --check``: the .pot has the messages of the code, templates and
    notebooks as they are now (run ``make catalog`` after changing one)."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "update_catalog.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _left_in(texts: dict[str, str]) -> dict[str, list[str]]:
    """The English messages of the catalogue found in ``texts`` (name: text), as on a French page."""
    translated = {m.id: m.string for m in _catalogue(FRENCH) if m.id}
    left: dict[str, list[str]] = {}
    for message in _catalogue(TEMPLATE):
        forms = message.id if isinstance(message.id, tuple) else (message.id,)
        own = " ".join(" ".join(_pieces(f)) for f in _forms(translated.get(message.id)) if f)
        for english in forms:
            if not english or english in ALLOWED:
                continue
            pieces = [p for p in _pieces(english) if not _found(p, own)]
            if not pieces:  # placeholders, a unit, the words of the translation: nothing to tell apart
                continue
            for name, text in texts.items():
                if all(_found(p, text) for p in pieces):
                    left.setdefault(english.strip()[:80], []).append(name)
    return left


@pytest.mark.slow
def test_charts_drawn_in_french_show_no_english_message() -> None:
    """What the HTML cannot show: the words inside the pictures (titles, axes, legends, labels, source
    lines), for every kind of chart, drawn in French from the real tables."""
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    from sahel_analysis import dossier, select, tables
    from sahel_analysis import events as ev
    from sahel_analysis.geo import load_map_layers, load_populated_places
    from sahel_analysis.i18n import language
    from sahel_analysis.viz import bases
    from sahel_analysis.viz import footprint as fp
    from sahel_analysis.viz.costs import plot_costs
    from sahel_analysis.viz.dossier import plot_place_map
    from sahel_analysis.viz.eventcharts import plot_around_bases, plot_event_counts, plot_monthly_around
    from sahel_analysis.viz.eventregions import plot_region_table
    from sahel_analysis.viz.eventtypes import plot_violence_types
    from sahel_analysis.viz.eventyears import plot_yearly
    from sahel_analysis.viz.export import alt_text
    from sahel_analysis.viz.placemap import plot_map
    from sahel_analysis.viz.timeline import plot_timeline
    from sahel_analysis.viz.troops import plot_troop_levels

    sources, presence, places, layers = (
        tables.load_sources(),
        tables.load_presence(),
        tables.load_places(),
        load_map_layers(),
    )
    events, troops = tables.load_events(), tables.load_troop_levels()
    conflict = ev.load_event_files(None, None, shipped_ucdp=True)
    mali = ev.filter_events(conflict, country="Mali", start="2012-01-01", end="2023-12-31")
    (_, ucdp), *_ = list(ev.split_datasets(mali))
    gao = dossier.place_row(places, "gao")
    drawn = {}
    with language("fr"):
        around = ev.around_bases(conflict, radius_km=50, window_days=365, presence=presence, places=places)
        charts = {
            "map": lambda: plot_map(
                select.places_by_id(places, ["gao", "kidal", "kati", "bamako"]),
                presence,
                gazetteer=places,
                as_of="2021-06-04",
                sources=sources,
                layers=layers,
            ),
            "troops": lambda: plot_troop_levels(
                select.select_troop_levels(troops), events=events, sources=sources
            ),
            "costs": lambda: plot_costs(
                tables.load_costs(), sources=sources, cpi=tables.load_cpi(), constant=True, cumulative=True
            ),
            "timeline": lambda: plot_timeline(events, sources=sources, lanes="country"),
            "place": lambda: plot_place_map(
                gao,
                places,
                presence,
                dossier.towns_near(load_populated_places(), gao),
                as_of="2021-06-04",
                sources=sources,
                layers=layers,
            ),
            "footprints": lambda: fp.plot_footprints(
                presence, places, ["2014-08-01", "2025-07-17"], sources=sources, layers=layers
            )[0],
            "bases": lambda: bases.plot_bases_timeline(presence, places, sources=sources),
            "counts": lambda: bases.plot_base_counts(presence, troops, sources=sources),
            "yearly": lambda: plot_yearly(
                ev.yearly_counts(ucdp),
                measure="fatalities",
                milestones=select.country_milestones(events, "Mali", None, None),
                sources=sources,
            ),
            "regions": lambda: plot_region_table(ev.yearly_counts(ucdp, by="admin1"), measure="events"),
            "types": lambda: plot_violence_types(ev.yearly_counts(ucdp, by="event_type")),
            "monthly": lambda: plot_event_counts(mali, measure="both", curated=events, sources=sources),
            "around": lambda: plot_around_bases(around, sources=sources),
            "near": lambda: plot_monthly_around(
                conflict, gao, handover=ev.around_place(around, "gao")["handover"], radius_km=50
            ),
        }
        for name, draw in charts.items():
            fig = draw().figure
            fig.canvas.draw()
            # The heat table's rows are the regions as UCDP names them ("Gao region"): its words.
            data = {id(t) for t in fig.axes[0].get_yticklabels()} if name == "regions" else set()
            words = [t.get_text() for t in fig.findobj(Text) if t.get_visible() and id(t) not in data]
            drawn[name] = _own_words(" ".join([*words, alt_text(fig)]))
            if name == "troops":
                ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
            if name == "near":
                months = [t.get_text() for t in fig.axes[0].get_xticklabels()]
            plt.close(fig)
    left = _left_in(drawn)
    shown = "\n".join(f"  {m!r} on {', '.join(names)}" for m, names in sorted(left.items()))
    assert not left, f"{len(left)} English messages in French charts:\n{shown}"
    # Babel's French on the axes: a narrow no-break space between thousands, French month names.
    assert any("\u202f" in t for t in ticks), ticks
    french = set(get_month_names("abbreviated", context="stand-alone", locale="fr").values())
    assert french & set(months) and not {"Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep"} & set(months)


# -- the parts, without a build --------------------------------------------------------------


def test_the_record_shows_its_french_text_in_french_and_its_english_otherwise() -> None:
    from sahel_analysis import tables
    from sahel_analysis.i18n import language, text_column, text_of

    events, places = tables.load_events(), tables.load_places()
    assert list(text_column(events, "title")) == list(events["title"])
    assert list(text_column(places, "name")) == list(places["name_en"])
    with language("fr"):
        assert list(text_column(events, "title")) == list(events["title_fr"])
        timbuktu = places[places["id"] == "timbuktu"].iloc[0]
        assert text_of(timbuktu, "name") == timbuktu["name_fr"] != timbuktu["name_en"]
        first = next(events.itertuples())
        assert text_of(first, "title") == first.title_fr
        # A row whose French is empty shows its English words rather than nothing.
        blank = events.head(2).assign(title_fr=["", None])
        assert list(text_column(blank, "title")) == list(blank["title"])


def test_countries_dates_and_numbers_in_each_language() -> None:
    from sahel_analysis.i18n import country_name, format_number, language
    from sahel_analysis.schema import country_label, country_of_name
    from sahel_analysis.textfmt import count_of_years, date_text, list_text

    assert (country_label("TCD"), country_of_name("Chad"), country_name("SOL", "Somaliland")) == (
        "Chad",
        "Chad",
        "Somaliland",
    )
    assert date_text("2021-04-01", "day", "long") == "1 April 2021"
    assert date_text("2021-04-01", "month", "long") == "April 2021"
    with language("fr"):
        assert (country_label("TCD"), country_of_name("Chad"), country_label("CIV")) == (
            "Tchad",
            "Tchad",
            "Côte d’Ivoire",
        )
        assert country_name("SOL", "Somaliland") == "Somaliland"  # not a country CLDR knows
        assert date_text("2021-04-01", "day", "long") == "1er avril 2021"
        assert date_text("2021-06-04", "month", "long") == "juin 2021"
        assert format_number(4414) == "4\u202f414" and format_number(1234.5, 1) == "1\u202f234,5"
        assert list_text(["Gao", "Kidal", "Tombouctou"]) == "Gao, Kidal et Tombouctou"
        assert (count_of_years(1), count_of_years(1200)) == ("1 année", "1\u202f200 années")
    assert (count_of_years(1), count_of_years(1200)) == ("1 year", "1,200 years")


def test_a_source_line_separates_its_publishers_the_way_its_language_does() -> None:
    """French typography puts a narrow no-break space before a semicolon; the record's two sources
    of one row show it."""
    from sahel_analysis import load_sources, load_troop_levels
    from sahel_analysis.citation import source_line
    from sahel_analysis.i18n import language

    rows = load_troop_levels()
    two = rows[rows["other_source_ids"].notna()].head(1)
    english = source_line(two, sources=load_sources())
    with language("fr"):
        french = source_line(two, sources=load_sources())
    assert "; " in english and "\u202f" not in english
    assert french.count("\u202f; ") == english.count("; ") and french.count(";") == english.count(";")


def test_axes_write_thousands_and_months_in_the_figure_language() -> None:
    import matplotlib.pyplot as plt
    import pandas as pd

    from sahel_analysis.i18n import language
    from sahel_analysis.viz.style import date_axis, thousands

    labels = {}
    for lang in ("en", "fr"):
        with language(lang):
            fig, ax = plt.subplots()
            ax.plot(pd.to_datetime(["2021-01-01", "2022-03-01"]), [1000, 25000])
            date_axis(ax)
            thousands(ax)
        fig.canvas.draw()  # drawn after the block: the figure keeps the language it was made in
        labels[lang] = [t.get_text() for t in [*ax.get_xticklabels(), *ax.get_yticklabels()]]
        plt.close(fig)
    assert {"Mar", "Jul", "20,000"} <= set(labels["en"])
    assert {"mars", "juil.", "20\u202f000"} <= set(labels["fr"])


def test_a_notebook_checks_its_language_and_writes_in_it() -> None:
    from sahel_analysis import i18n, params

    try:
        assert params.check_lang("fr") == "fr" == i18n.get_language()
        with pytest.raises(params.ParameterError, match=r"^lang: expected one of en, fr; found 'de'$"):
            params.check_lang("de")
    finally:
        i18n.set_language("en")
    for notebook in sorted(NOTEBOOK_DIR.glob("*.ipynb")):
        source = notebook.read_text(encoding="utf-8")
        assert 'lang: str = \\"en\\"  # the page\'s language: \\"en\\" or \\"fr\\"' in source, notebook.name
        assert "check_lang(lang)" in source, notebook.name


def test_the_language_is_chosen_with_lang_never_with_a_parameter(tmp_path: Path) -> None:
    from conftest import new_notebook

    from sahel_analysis.report import BuildError
    from sahel_analysis.report.plan import edition, twins

    briefing = NOTEBOOK_DIR / "06_briefing.ipynb"
    with pytest.raises(BuildError, match=r"^parameter 'lang' \(-p\): the language is chosen with --lang"):
        plan([briefing], {"lang": "fr"})
    (tmp_path / "fr.yaml").write_text("lang: fr\n")
    with pytest.raises(BuildError, match=r"^parameter 'lang' \(fr.yaml\)"):
        plan([briefing], {}, [tmp_path / "fr.yaml"])
    with pytest.raises(BuildError, match=r"^--lang: expected one of en, fr, found 'de'"):
        in_languages(plan([briefing], {}), ["de"])
    other = new_notebook(tmp_path / "mine.ipynb", "n")
    with pytest.raises(BuildError, match=r"takes no `lang` parameter"):
        in_languages(plan([other], {}), ["en", "fr"])
    assert [j.lang for j in in_languages(plan([other], {}), [])] == ["en"]
    jobs = in_languages(plan([briefing], {"as_of": "2021-06-04"}), ["en", "fr"])
    assert [(j.lang, j.label, j.params) for j in jobs] == [
        ("en", "06_briefing", {"as_of": "2021-06-04"}),
        ("fr", "06_briefing (fr)", {"as_of": "2021-06-04"}),
    ]
    assert (edition(tmp_path, "en"), edition(tmp_path, "fr")) == (tmp_path, tmp_path / "fr")
    assert [t["href"] for t in twins("en", "x.html")] == ["fr/x.html"]
    assert [t["href"] for t in twins("fr", "x.html")] == ["../x.html"]


def test_each_edition_keeps_its_own_record_of_what_it_built(tmp_path: Path) -> None:
    from dataclasses import replace

    from sahel_analysis.report.html import rebuild_command
    from sahel_analysis.report.state import catalog_version, fingerprint, record_path

    (english,) = plan([NOTEBOOK_DIR / "06_briefing.ipynb"], {"as_of": "2021-06-04"})
    french = replace(english, lang="fr")
    assert fingerprint(english, "d", "l") != fingerprint(french, "d", "l")
    assert record_path(tmp_path, english) != record_path(tmp_path / "fr", french)
    assert len(catalog_version("fr")) == 12
    assert rebuild_command(french.notebook, french.params, "fr") == (
        "sahel-analysis build 06_briefing --lang fr -p as_of 2021-06-04"
    )
    assert (
        rebuild_command(english.notebook, english.params)
        == "sahel-analysis build 06_briefing -p as_of 2021-06-04"
    )


def test_a_translated_heading_keeps_the_id_of_its_english_words() -> None:
    from sahel_analysis.report.anchors import add_anchors, heading_words

    words = heading_words(
        [
            ("How this page was made", "Comment cette page a été faite"),
            ("## Key figures\n\nEach figure...", "## Chiffres clés\n\nChaque chiffre..."),
            (
                '<h2 id="after-the-handovers">After the handovers</h2>\n\nFor each base...',
                '<h2 id="after-the-handovers">Après les remises</h2>\n\nPour chaque base...',
            ),
            ("Mali after the coups, as of {date}", "Le Mali après les coups d'État, au {date}"),
        ]
    )
    page = add_anchors(
        "<h1>Le Mali après les coups d'État, au 4 juin 2021</h1><h2>Chiffres clés</h2>"
        "<h2>Après les remises</h2><h2>Comment cette page a été faite</h2>",
        english=words,
    )
    ids = re.findall(r'<h\d id="([^"]+)"', page)
    assert ids == ["le-mali-apres-les-coups-detat-au-4-juin-2021", "key-figures", "after-the-handovers",
                   "how-this-page-was-made"]  # fmt: skip


def test_the_catalogue_takes_the_notebooks_cells_and_what_their_parameters_mean() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("update_catalog", ROOT / "scripts" / "update_catalog.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    ids = {m.id for m in module.template() if m.id}
    assert {"the latest data", "every base ever held"} <= ids  # 06/08's as_of, 01's as_of, left at None
    assert "## Key figures\n\nEach figure is the last one the sources give" in "\n".join(
        i for i in ids if isinstance(i, str)
    )
    # The templates' singular {% trans %} blocks, which Jinja calls gettext.
    assert "French military deaths stood at <strong>%(deaths)s</strong>." in ids
