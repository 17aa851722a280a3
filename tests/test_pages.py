"""Pages written for a reader: titles from the parameters, key-figure sentences, the index, permalinks.

Expected figures are computed here from the CSV files with the csv module (``oracle``), and written
out with this file's own date and number formatting, never by calling the function under test.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import oracle
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from sahel_analysis import briefing, dossier, measures, pages, params, select, tables
from sahel_analysis.report.anchors import add_anchors, slug
from sahel_analysis.report.index import write_index

SAHEL_SCOPES = {"sahel": "across the Sahel", "mali": "in Mali", "niger": "in Niger", "chad": "in Chad"}
SAHEL_SCOPES["burkina_faso"] = "in Burkina Faso"
NAMED_DATES = ["2021-06-04", "2022-08-20", "2022-11-10", "2025-12-31"]  # notebooks/params/*.yaml


def _years(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}–{last}"


def _year_list(years: list[int]) -> str:
    """2015, 2017, 2018, 2020 -> '2015, 2017–18 and 2020', as the issue asks a reader to be told."""
    spans: list[list[int]] = []
    for y in sorted(years):
        if spans and y == spans[-1][1] + 1:
            spans[-1][1] = y
        else:
            spans.append([y, y])
    parts = [str(a) if a == b else f"{a}–{str(b)[2:]}" for a, b in spans]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _places() -> dict[str, dict[str, str]]:
    return {r["id"]: r for r in oracle.rows("places")}


# -- titles, from each notebook's parameters ---------------------------------------------------


@pytest.mark.parametrize("place", ["timbuktu", "gao", "kidal", "kati"])
@pytest.mark.parametrize("as_of", [None, "2016-01-01", "2022-08-20"])
def test_a_dossier_is_titled_by_its_place_and_date_and_says_whether_france_held_a_base(place, as_of) -> None:
    gazetteer = tables.load_places()
    checked = params.check_place_params(
        place,
        as_of,
        100,
        gazetteer=gazetteer,
        latest=briefing.latest_data_date(),
        events=tables.load_events(),
    )
    when = checked["as_of"]
    page = pages.dossier_page(
        dossier.place_row(gazetteer, place),
        when,
        select.presence_as_of(tables.load_presence(), when),
        checked,
    )
    day = oracle.day(as_of) if as_of else oracle.latest_data_date()
    name = _places()[place]["name_en"]
    assert page.title == f"{name}: dossier as of {oracle.long_date(day)}"
    assert (page.group, page.order) == ("dossier", f"{name}|{day.isoformat()}")
    # Whether France held a base there that day, from presence.csv.
    rows = sorted(
        (r for r in oracle.rows("presence") if r["place_id"] == place and oracle.day(r["start_date"]) <= day),
        key=lambda r: r["start_date"],
    )
    held = [r for r in rows if not r["end_date"] or oracle.day(r["end_date"]) > day]
    if held:
        assert page.summary.startswith(f"France held a base here on {oracle.long_date(day)} (")
    elif rows:
        last = rows[-1]
        on = "on" if last["end_precision"] == "day" else "in"
        left = oracle.long_date(oracle.day(last["end_date"]), last["end_precision"])
        assert page.summary.startswith(
            f"No French base here on {oracle.long_date(day)}: France left {on} {left}"
        )
        assert last["handed_to"] in page.summary
    else:
        assert page.summary == f"France had held no base here by {oracle.long_date(day)}."


def test_the_kidal_dossier_reads_as_the_issue_asks() -> None:
    if oracle.latest_data_date() != dt.date(2026, 1, 29):
        pytest.skip("the record has moved on from the issue's date")
    gazetteer = tables.load_places()
    when = pd.Timestamp("2026-01-29")
    page = pages.dossier_page(dossier.place_row(gazetteer, "kidal"), when, tables.load_presence(), {})
    assert page.title == "Kidal: dossier as of 29 January 2026"


@pytest.mark.parametrize("as_of", NAMED_DATES)
def test_a_briefing_is_titled_by_its_date_and_its_line_names_the_last_event(as_of: str) -> None:
    when = pd.Timestamp(as_of)
    page = pages.briefing_page(when, briefing.key_figures(when), tables.load_events(as_of=when))
    assert page.title == f"Mali after the coups, as of {oracle.long_date(when.date())}"
    assert (page.group, page.order, page.key) == ("briefing", as_of, {"as_of": when})
    known = sorted(
        (r for r in oracle.rows("events") if oracle.day(r["date"]) <= when.date()),
        key=lambda r: (r["date"], r["id"]),
    )
    last = known[-1]
    when_last = oracle.long_date(oracle.day(last["date"]), last["precision"])
    assert page.summary.startswith(f"Latest event by then: {last['title']} ({when_last}).")
    assert as_of != "2022-08-20" or page.title == "Mali after the coups, as of 20 August 2022"


def test_the_footprint_spans_the_story_to_the_last_map() -> None:
    presence = tables.load_presence()
    default = params.check_footprint_params(
        ["2014-08-01", "2019-12-31", "2022-08-15", "2023-12-22", "2025-07-17"], "west_central_africa", None
    )
    assert pages.footprint_page(default, presence).title == (
        "The French footprint in West and Central Africa, 2013–2025"
    )
    sahel = params.check_footprint_params(["2021-06-04", "2016-01-01"], "sahel", None)
    page = pages.footprint_page(sahel, presence)
    assert page.title == "The French footprint in the Sahel, 2013–2021"

    def held(on: str) -> int:
        day = oracle.day(on)
        return len(
            {
                r["place_id"]
                for r in oracle.rows("presence")
                if oracle.day(r["start_date"]) <= day
                and (not r["end_date"] or oracle.day(r["end_date"]) > day)
            }
        )

    assert page.summary == (
        f"From {held('2016-01-01')} places with a French base on 1 January 2016 "
        f"to {held('2021-06-04')} on 4 June 2021."
    )
    titled = params.check_footprint_params(["2016-01-01"], "sahel", "My own title")
    assert pages.footprint_page(titled, presence).title == "My own title"


def test_the_map_names_its_places_and_date() -> None:
    gazetteer = tables.load_places()
    default = params.check_map_params(gazetteer=gazetteer)
    assert pages.map_page(default, gazetteer).title == (
        "Where it happened: Timbuktu, Gao, Kidal, Kati and Bamako"
    )
    dated = params.check_map_params(["gao", "kidal"], "2021-06-04", gazetteer=gazetteer)
    assert pages.map_page(dated, gazetteer).title == (
        "Where it happened: Gao and Kidal, with the French bases on 4 June 2021"
    )
    titled = params.check_map_params(["gao"], title="Gao alone", gazetteer=gazetteer)
    assert pages.map_page(titled, gazetteer).title == "Gao alone"


@pytest.mark.parametrize(
    ("given", "title"),
    [
        ({}, "French troop levels, {years}"),
        ({"operations": ["Serval"]}, "French troop levels in Serval, {years}"),
    ],
)
def test_troop_levels_are_titled_by_the_years_of_the_figures_shown(given: dict, title: str) -> None:
    checked = params.check_troop_params(
        None, None, given.get("operations"), None, troops=tables.load_troop_levels()
    )
    troops = select.select_troop_levels(tables.load_troop_levels(), **checked)
    days = [
        oracle.day(r["date"])
        for r in oracle.rows("troop_levels")
        if r["scope"] in SAHEL_SCOPES and r["operation"] in given.get("operations", [r["operation"]])
    ]
    years = _years(min(days).year, max(days).year)
    assert pages.troop_levels_page(troops, checked).title == title.format(years=years)


@pytest.mark.parametrize(("constant", "title"), [(False, "What the French operations cost, 2018–2022"),
                                                 (True, "What the French operations cost, 2018–2022, in euros of 2015")])  # fmt: skip
def test_costs_are_titled_by_their_years_and_unit(constant: bool, title: str) -> None:
    costs, cpi = tables.load_costs(), tables.load_cpi()
    checked = params.check_cost_params(
        2018, 2022, None, constant=constant, base_year=2015, cumulative=False, costs=costs, cpi=cpi
    )
    totals = measures.total_cost(costs, cpi=cpi, constant=constant, base_year=2015, start=2018, end=2022)
    assert pages.costs_page(totals, checked).title == title


def test_the_timeline_is_titled_by_the_years_of_its_events() -> None:
    events = tables.load_events()
    checked = params.check_timeline_params(None, None, None, "category", None, events=events)
    days = [oracle.day(r["date"]) for r in oracle.rows("events")]
    expected = f"Mali and the Sahel, {_years(min(days).year, max(days).year)}: the sequence of events"
    assert pages.timeline_page(events, checked).title == expected


def test_conflict_events_are_titled_by_country_and_years() -> None:
    checked = params.check_event_params(country="Mali", start="2012-01-01", end="2023-12-31")
    assert pages.conflict_page(checked).title == "Conflict events in Mali, 2012–2023: ACLED and UCDP GED"
    anywhere = params.check_event_params()
    assert pages.conflict_page(anywhere).title == "Conflict events: ACLED and UCDP GED"


def test_a_page_shows_its_title_as_a_heading_and_carries_its_entry() -> None:
    page = pages.Page("Gao & <Kidal>", "A line.", "dossier", "Gao", {"as_of": pd.Timestamp("2021-06-04")})
    data, metadata = page._repr_mimebundle_()
    assert data["text/html"] == "<h1>Gao &amp; &lt;Kidal&gt;</h1>"
    entry = metadata["sahel_analysis"]["page"]
    assert entry["key"] == {"as_of": "2021-06-04"} and entry["title"] == "Gao & <Kidal>"
    executed = {"cells": [{"cell_type": "code", "outputs": [{"data": data, "metadata": metadata}]}]}
    assert pages.read_page(executed) == entry
    with pytest.raises(ValueError, match="group"):
        pages.Page("t", "s", "essay")


# -- key-figure sentences, against figures computed from the CSV files ---------------------------


def _cost_sentence(as_of: dt.date) -> str:
    events = {r["id"]: r for r in oracle.rows("events")}
    first = oracle.day(events["2013-01-11-serval-launched"]["date"]).year
    last = oracle.day(events["2022-11-09-end-of-barkhane"]["date"]).year
    per_year = oracle.operation_years(as_of.year)
    over = {y: v for y, v in per_year.items() if y < as_of.year}
    unknown = [y for y in range(first, min(last, as_of.year - 1) + 1) if y not in per_year]
    running = sorted(y for y in per_year if y >= as_of.year)
    total = sum(over.values())
    amount = f"€{total / 1000:.1f} bn" if total >= 1000 else f"€{total:,.0f} million"
    years = f"{len(over)} year{'s' if len(over) != 1 else ''}"
    caveats = [f"{_year_list(unknown)} unknown"] if unknown else []
    caveats += [f"{_year_list(running)} not yet over"] if running else []
    return f"about {amount} in {years} with a known figure" + (f" ({'; '.join(caveats)})" if caveats else "")


@pytest.mark.parametrize("as_of", NAMED_DATES)
def test_the_cost_sentence_gives_the_sum_first_and_the_missing_years_after(as_of: str) -> None:
    figure = briefing.cumulative_cost(pd.Timestamp(as_of))
    assert figure.text == _cost_sentence(oracle.day(as_of))


def test_the_cost_sentence_reads_as_the_issue_asks() -> None:
    table = briefing.key_figures_table([briefing.cumulative_cost(pd.Timestamp("2025-12-31"))])
    assert list(table["Value"]) == [
        "About €4.4 bn in 6 years with a known figure (2015, 2017–18 and 2020 unknown)"
    ]


@pytest.mark.parametrize("as_of", NAMED_DATES)
def test_the_troops_sentence_gives_the_count_and_where_first(as_of: str) -> None:
    day = oracle.day(as_of)
    reported = [
        r
        for r in oracle.rows("troop_levels")
        if r["figure_type"] == "reported" and r["scope"] in SAHEL_SCOPES and oracle.day(r["date"]) <= day
    ]
    latest = max(r["date"] for r in reported)
    same_day = [r for r in reported if r["date"] == latest]
    chosen = [r for r in same_day if r["scope"] == "sahel"] or same_day
    row = max(chosen, key=lambda r: int(r["personnel"]))
    n, where = int(row["personnel"]), SAHEL_SCOPES[row["scope"]]
    operation = row["operation"] if row["operation"][0].isupper() else row["operation"].capitalize()
    when = oracle.long_date(oracle.day(row["date"]), row["precision"])
    if n == 0:
        expected = f"none {where} any more ({operation}), as reported for {when}"
    else:
        about = "about " if row["approximate"] == "true" else ""
        expected = f"{about}{n:,} {where} ({operation}), as reported for {when}"
    assert briefing.troops_deployed(pd.Timestamp(as_of)).text == expected


@pytest.mark.parametrize("as_of", NAMED_DATES)
def test_the_deaths_sentence_gives_the_count_first_and_whose_count_after(as_of: str) -> None:
    day = oracle.day(as_of)
    counted = [
        r for r in oracle.rows("fatalities") if r["series"] == "ema_killed" and oracle.day(r["date"]) <= day
    ]
    row = max(counted, key=lambda r: (r["date"], int(r["cumulative_deaths"])))
    where = "in the Sahel" if row["scope"] == "sahel" else "in Mali"
    when = oracle.long_date(oracle.day(row["date"]), row["precision"])
    expected = f"{row['cumulative_deaths']} killed {where} since January 2013 (the armed forces staff's count, {when})"
    assert briefing.french_deaths(pd.Timestamp(as_of)).text == expected


@pytest.mark.parametrize("as_of", NAMED_DATES)
def test_the_coup_sentence_gives_the_days_first(as_of: str) -> None:
    day = oracle.day(as_of)
    coups = [
        r
        for r in oracle.rows("events")
        if r["category"] == "coup" and r["country_iso3"] == "MLI" and oracle.day(r["date"]) <= day
    ]
    last = max(coups, key=lambda r: r["date"])
    days = (day - oracle.day(last["date"])).days
    expected = (
        f"{days:,} days since the coup of {oracle.long_date(oracle.day(last['date']))} ({last['title']})"
    )
    assert briefing.since_last_coup(pd.Timestamp(as_of)).text == expected


def test_the_troop_key_figures_give_the_peak_first() -> None:
    shown = [r for r in oracle.rows("troop_levels") if r["scope"] in SAHEL_SCOPES]
    reported = [r for r in shown if r["figure_type"] == "reported"]
    top = max(int(r["personnel"]) for r in reported)
    first = min((r for r in reported if int(r["personnel"]) == top), key=lambda r: (r["date"], r["id"]))
    when = oracle.long_date(oracle.day(first["date"]), first["precision"])
    expected = (
        f"Peak: {top:,} personnel reported {SAHEL_SCOPES[first['scope']]} ({first['operation']}), "
        f"first for {when}.\n{len(shown)} figures shown."
    )
    assert measures.describe_peak(select.select_troop_levels(tables.load_troop_levels())) == expected


def test_the_timeline_key_figures_count_the_events() -> None:
    rows = oracle.rows("events")
    days = sorted(oracle.day(r["date"]) for r in rows)
    milestones = sum(r["milestone"] == "true" for r in rows)
    expected = (
        f"{len(rows)} events, from {oracle.long_date(days[0])} to {oracle.long_date(days[-1])}.\n"
        f"{milestones} milestones among them."
    )
    assert measures.describe_events(tables.load_events()) == expected


def test_the_cost_totals_give_the_amount_first() -> None:
    costs, cpi = tables.load_costs(), tables.load_cpi()
    text = measures.describe_total_cost(
        measures.total_cost(costs, cpi=cpi, start=2012, end=2022)
    ).splitlines()
    best = oracle.best_costs(years=range(2012, 2023), coverages=["barkhane"])
    total = sum(amount for _, amount in best.values())
    kinds = {"executed": "spent", "estimate": "estimated", "budget": "budgeted"}
    counts = {kinds[kind] for kind, _ in best.values()}
    assert text[0].startswith("Totals for 2012–2022, in nominal euros;")
    (line,) = [line for line in text if line.startswith("- Operation Barkhane:")]
    assert line.startswith(
        f"- Operation Barkhane: about €{total / 1000:.1f} bn, in {len(best)} years of 11 with a figure ("
    )
    assert all(kind in line for kind in counts)


# -- the index ------------------------------------------------------------------------------------


def _record(out: Path, stem: str, **fields) -> None:
    (out / f"{stem}.html").write_text("<p>page</p>")
    record = {"status": "built", "fingerprint": "", "html": f"{stem}.html", "thumbnail": None, **fields}
    (out / ".state").mkdir(exist_ok=True)
    (out / ".state" / f"{stem}.json").write_text(json.dumps(record))


def test_the_index_groups_pages_and_lists_a_repeated_default_once(tmp_path: Path) -> None:
    gao = {"place": "gao", "as_of": "2026-01-29", "radius_km": 100.0}
    briefings = {
        "2026-01-29": "06_briefing",
        "2021-06-04": "06_briefing--article-date",
        "2025-12-31": "06_briefing--end-of-2025",
    }
    for as_of, stem in briefings.items():
        variant = stem.partition("--")[2] or None
        _record(tmp_path, stem, notebook="06_briefing.ipynb", variant=variant, group="briefing", order=as_of,
                key={"as_of": as_of}, title=f"Briefing {as_of}", summary="A line.")  # fmt: skip
    for stem, place, key in (("08_place", "Gao", gao), ("08_place--gao", "Gao", gao),
                             ("08_place--kidal", "Kidal", {**gao, "place": "kidal"})):  # fmt: skip
        _record(tmp_path, stem, notebook="08_place.ipynb", variant=stem.partition("--")[2] or None, group="dossier",
                order=f"{place}|2026-01-29", key=key, title=f"{place} dossier", summary="A line.")  # fmt: skip
    _record(
        tmp_path, "03_costs", notebook="03_costs.ipynb", group="analysis", order="", key={}, title="Costs"
    )
    _record(tmp_path, "01_map", notebook="01_map.ipynb", group="analysis", order="", key={}, title="Map")
    _record(
        tmp_path, "mine", notebook="mine.ipynb", title="My notebook", summary=""
    )  # a reader's own: no page
    _record(tmp_path, "odd", notebook="odd.ipynb", group="<script>", title="Odd")  # a hand-edited record
    soup = BeautifulSoup(write_index(tmp_path, "data").read_text(encoding="utf-8"), "html.parser")
    sections = {s.find("h2")["id"]: [a["href"] for a in s.select("a.page")] for s in soup.find_all("section")}
    assert list(sections) == ["briefings", "place-dossiers", "analyses"]
    assert sections["briefings"] == [f"{briefings[d]}.html" for d in sorted(briefings)]
    # 08_place ran with the same parameters as the named set for Gao: one page, the named one.
    assert sections["place-dossiers"] == ["08_place--gao.html", "08_place--kidal.html"]
    assert sections["analyses"] == ["01_map.html", "03_costs.html", "mine.html", "odd.html"]
    assert [h.get_text() for h in soup.find_all("h2")] == ["Briefings¶", "Place dossiers¶", "Analyses¶"]


# -- permalinks -----------------------------------------------------------------------------------


def test_slugs_are_readable_ascii_words() -> None:
    assert slug("After the handovers") == "after-the-handovers"
    assert slug("Key figures") == "key-figures"
    assert slug("The article's claims, checked") == "the-articles-claims-checked"
    assert slug("Où est-ce ? Ménaka, 2013–2025") == "ou-est-ce-menaka-2013-2025"
    assert slug("!!!") == "section" and len(slug("word " * 40)) <= 60 and not slug("word " * 40).endswith("-")


def test_every_heading_and_chart_gets_one_unique_stable_id() -> None:
    page = (
        '<h1>Gao: dossier</h1><h2 id="Key-figures">Key figures<a class="anchor-link" href="#Key-figures">¶</a></h2>'
        '<div class="x" data-figure="troop-levels"><img></div><h2 class="c">Key figures</h2>'
        '<div data-figure="troop-levels"></div><h3>Côte d&#39;Ivoire &amp; <em>Mali</em></h3><header>no</header>'
    )
    once = add_anchors(page)
    assert once == add_anchors(page)
    soup = BeautifulSoup(once, "html.parser")
    ids = [tag["id"] for tag in soup.find_all(id=True)]
    assert ids == [
        "gao-dossier", "key-figures", "fig-troop-levels", "key-figures-2", "fig-troop-levels-2", "cote-divoire-mali",
    ]  # fmt: skip
    for heading in soup.find_all(["h1", "h2", "h3"]):
        (link,) = heading.find_all("a", class_="anchor-link")
        assert link["href"] == f"#{heading['id']}"
    assert soup.find("h2", class_="c") is not None and soup.find("header").get("id") is None
    assert "data-figure" not in once
