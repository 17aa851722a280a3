"""Low-confidence rows (``confidence = low``) on the charts and in the tables.

Every chart that draws such a row draws it apart (faded, dotted, hollow: ``viz.style.low_confidence``)
and its legend says so; a chart whose drawn rows are all ordinary has no such entry. Tables that
show such rows mark them. Which rows are low is read here from data/*.csv with the csv module
(``oracle.low_ids``), never from the package.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import oracle
import pytest
from matplotlib.legend import Legend

from sahel_analysis import briefing, dossier, footprint, geo, markup, select, tables
from sahel_analysis.viz import bases
from sahel_analysis.viz import footprint as fpviz
from sahel_analysis.viz.costs import plot_costs
from sahel_analysis.viz.dossier import plot_place_map
from sahel_analysis.viz.placemap import plot_map
from sahel_analysis.viz.style import LOW_CONFIDENCE_LABEL
from sahel_analysis.viz.timeline import plot_timeline
from sahel_analysis.viz.troops import plot_troop_levels

TROOPS, COSTS, PRESENCE = (oracle.low_ids(name) for name in ("troop_levels", "costs", "presence"))


@pytest.fixture(scope="module")
def frames():
    return {
        "troops": tables.load_troop_levels(),
        "costs": tables.load_costs(),
        "presence": tables.load_presence(),
        "places": tables.load_places(),
        "events": tables.load_events(),
        "sources": tables.load_sources(),
    }


@pytest.fixture(scope="module")
def layers():
    return geo.load_map_layers()


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _legend_texts(*figures_or_axes) -> list[str]:
    """Every legend text of the figures (all their Axes, twins and figure legends included)."""
    texts = []
    for owner in figures_or_axes:
        fig = owner if hasattr(owner, "legends") and not hasattr(owner, "figure") else owner.figure
        legends = [*fig.legends, *(a for ax in fig.axes for a in ax.findobj(Legend))]
        texts += [" ".join(t.get_text().split()) for leg in dict.fromkeys(legends) for t in leg.get_texts()]
    return texts


def _has_entry(owner) -> bool:
    return LOW_CONFIDENCE_LABEL in _legend_texts(owner)


def _low_gids(ax, prefix: str) -> dict[str, object]:
    """Artists whose gid is ``<prefix>...:low:<id>``, by that id."""
    return {
        a.get_gid().rsplit(":low:", 1)[1]: a
        for a in ax.findobj()
        if (a.get_gid() or "").startswith(prefix) and ":low:" in a.get_gid()
    }


def _presence_rows() -> dict[str, dict[str, str]]:
    return {r["id"]: r for r in oracle.rows("presence")}


def _inside(row: dict[str, str]) -> dt.date:
    """A day in the middle of a presence row's period (its end, or today, if still held)."""
    start = oracle.day(row["start_date"])
    end = oracle.day(row["end_date"]) or dt.date.today()
    return start + (end - start) / 2


def _held_on(on: dt.date) -> set[str]:
    return {
        i
        for i, r in _presence_rows().items()
        if oracle.day(r["start_date"]) <= on and (not r["end_date"] or oracle.day(r["end_date"]) > on)
    }


def test_the_record_has_low_rows_in_the_tables_charted() -> None:
    # Otherwise every test below that looks for them would pass on nothing.
    assert TROOPS and COSTS and PRESENCE
    assert not oracle.low_ids("events")  # if one becomes low, add the timeline's positive test


# -- troop levels ----------------------------------------------------------------------------------


def test_troop_chart_draws_each_low_figure_apart_and_says_so(frames) -> None:
    ax = plot_troop_levels(frames["troops"], sources=frames["sources"])
    low = _low_gids(ax, "troops:")
    assert set(low) == TROOPS
    ordinary = [
        a for a in ax.lines if (a.get_gid() or "").startswith("troops:") and ":low:" not in a.get_gid()
    ]
    for row_id, artist in low.items():
        assert artist.get_alpha() is not None and artist.get_alpha() < 1, row_id
        assert str(artist.get_markerfacecolor()) == "white", row_id
    for artist in ordinary:
        assert artist.get_alpha() is None, artist.get_gid()
    rows = {r["id"]: r for r in oracle.rows("troop_levels")}
    for row_id in TROOPS:
        kind = rows[row_id]["figure_type"]
        artist = low[row_id]
        assert artist.get_gid().split(":")[3] == kind
        same_kind = [a for a in ordinary if a.get_gid().endswith(f":{kind}")]
        if kind == "reported":  # a dotted step, hollow dot, where ordinary reports are solid and filled
            assert artist.get_linestyle() == ":"
            assert {a.get_linestyle() for a in same_kind} == {"-"}
            assert {str(a.get_markerfacecolor()) for a in same_kind} != {"white"}
    assert _has_entry(ax)


def test_troop_chart_of_ordinary_rows_has_no_low_entry(frames) -> None:
    after = max(oracle.day(r["date"]) for r in oracle.rows("troop_levels") if r["id"] in TROOPS)
    start = after + dt.timedelta(days=1)
    ax = plot_troop_levels(frames["troops"], sources=frames["sources"], start=start.isoformat())
    assert not _low_gids(ax, "troops:")
    assert not _has_entry(ax)
    assert _legend_texts(ax)  # the legend is there, only without the entry


# -- costs -----------------------------------------------------------------------------------------


def _low_cost_marks() -> tuple[set[tuple[str, int]], set[str]]:
    """From costs.csv: the bars whose height rests only on low rows, and the coverages whose range
    top (the highest figure of the best kind, above the bar) rests only on low rows."""
    by_key: dict[tuple[str, int], list[dict[str, str]]] = defaultdict(list)
    for r in oracle.rows("costs"):
        by_key[(r["coverage"], int(r["year"]))].append(r)
    bars, ranges = set(), set()
    for key, rows in by_key.items():
        best = min(oracle.COST_RANK[r["cost_type"]] for r in rows)
        chosen = [r for r in rows if oracle.COST_RANK[r["cost_type"]] == best]
        amounts = [float(r["amount_eur_m"]) for r in chosen]
        lowest, highest = min(amounts), max(amounts)
        if all(r["id"] in COSTS for r in chosen if float(r["amount_eur_m"]) == lowest):
            bars.add(key)
        if highest > lowest and all(r["id"] in COSTS for r in chosen if float(r["amount_eur_m"]) == highest):
            ranges.add(key[0])
    return bars, ranges


def test_cost_bars_resting_on_low_rows_are_drawn_apart_and_said(frames) -> None:
    ax = plot_costs(frames["costs"], sources=frames["sources"], start=2012, end=2025)
    bars = {p.get_gid(): p for p in ax.patches if (p.get_gid() or "").startswith("bar:")}
    dotted = {(g.split(":")[1], int(g.split(":")[2])) for g, p in bars.items() if p.get_linestyle() == ":"}
    want_bars, want_ranges = _low_cost_marks()
    assert want_bars and dotted == want_bars
    for gid, patch in bars.items():
        key = (gid.split(":")[1], int(gid.split(":")[2]))
        faded = patch.get_facecolor()[3] < 1
        assert faded == (key in want_bars), gid
    ranges = {a.get_gid().split(":")[1] for a in ax.findobj() if (a.get_gid() or "").endswith(":low")}
    assert ranges == want_ranges
    assert _has_entry(ax)


def test_cost_chart_of_ordinary_rows_has_no_low_entry(frames) -> None:
    low_years = {int(r["year"]) for r in oracle.rows("costs") if r["id"] in COSTS}
    start = max(low_years) + 1
    ax = plot_costs(frames["costs"], sources=frames["sources"], start=start, end=2022)
    assert all(p.get_linestyle() != ":" for p in ax.patches)
    assert not _has_entry(ax)


# -- presence: the bars over time, the counts, the maps --------------------------------------------


def test_bases_timeline_draws_low_periods_apart_and_says_so(frames) -> None:
    ax = bases.plot_bases_timeline(frames["presence"], frames["places"], sources=frames["sources"])
    bars = {p.get_gid()[4:]: p for p in ax.patches if (p.get_gid() or "").startswith("bar:")}
    assert {i for i, p in bars.items() if p.get_linestyle() == ":"} == PRESENCE
    assert {i for i, p in bars.items() if p.get_facecolor()[3] < 1} == PRESENCE
    assert _has_entry(ax)
    # In a view that starts after every low period ended, no drawn row is low: no entry.
    rows = _presence_rows()
    after = max(oracle.day(rows[i]["end_date"]) for i in PRESENCE) + dt.timedelta(days=1)
    later = bases.plot_bases_timeline(
        frames["presence"], frames["places"], sources=frames["sources"], start=after.isoformat()
    )
    assert not _has_entry(later)


def test_base_counts_draw_the_stretches_resting_on_low_rows_apart(frames) -> None:
    rows = _presence_rows()
    ax = bases.plot_base_counts(frames["presence"], frames["troops"], sources=frames["sources"])
    (main,) = [a for a in ax.lines if a.get_gid() == "count:bases"]
    low = _low_gids(ax, "count:bases")
    assert low and all(a.get_linestyle() == ":" for a in low.values())
    for row_id in PRESENCE:
        on = mdates.date2num(_inside(rows[row_id]))
        x, y = np.asarray(main.get_xdata(), float), np.asarray(main.get_ydata(), float)
        i = max(k for k, v in enumerate(x) if v <= on)
        assert np.isnan(y[i])  # not on the main line: on a dotted stretch that covers the day
        assert any(min(a.get_xdata()) <= on <= max(a.get_xdata()) for a in low.values())
    # The personnel line: the low reported figures of the theatre (Serval in Mali, the Sahel).
    troops = {r["id"]: r for r in oracle.rows("troop_levels")}
    theatre = {
        i
        for i in TROOPS
        if troops[i]["figure_type"] == "reported"
        and (
            troops[i]["scope"] == "sahel"
            or (troops[i]["operation"], troops[i]["scope"]) == ("Serval", "mali")
        )
    }
    assert set(_low_gids(ax.figure.axes[-1], "count:personnel")) == theatre
    assert _has_entry(ax)


def test_base_counts_after_the_low_periods_have_no_low_entry(frames) -> None:
    rows = _presence_rows()
    after = max(oracle.day(rows[i]["end_date"]) for i in PRESENCE) + dt.timedelta(days=1)
    ax = bases.plot_base_counts(frames["presence"], sources=frames["sources"], start=after.isoformat())
    assert not _low_gids(ax, "count:")
    assert not _has_entry(ax)


def test_footprint_map_draws_a_low_base_hollow_and_says_so(frames, layers) -> None:
    rows = _presence_rows()
    for row_id in PRESENCE:
        on = _inside(rows[row_id])
        ax = fpviz.plot_footprint(
            frames["presence"], frames["places"], on=on.isoformat(), sources=frames["sources"], layers=layers
        )
        drawn = {a.get_gid()[5:]: a for a in ax.collections if (a.get_gid() or "").startswith("base:")}
        assert set(drawn) == _held_on(on)
        for pid, artist in drawn.items():
            hollow = tuple(artist.get_facecolor()[0]) == (1.0, 1.0, 1.0, artist.get_facecolor()[0][3])
            assert hollow == (pid in PRESENCE), pid
        assert _has_entry(ax)


def test_footprint_maps_of_ordinary_rows_have_no_low_entry(frames, layers) -> None:
    rows = _presence_rows()
    on = max(oracle.day(rows[i]["end_date"]) for i in PRESENCE) + dt.timedelta(days=30)
    assert not _held_on(on) & PRESENCE
    ax = fpviz.plot_footprint(
        frames["presence"], frames["places"], on=on.isoformat(), sources=frames["sources"], layers=layers
    )
    assert not _has_entry(ax)
    maps = fpviz.plot_footprints(
        frames["presence"], frames["places"], [on], sources=frames["sources"], layers=layers
    )
    assert not _has_entry(maps[0].figure)
    low_day = _inside(rows[sorted(PRESENCE)[0]])
    maps = fpviz.plot_footprints(
        frames["presence"], frames["places"], [on, low_day], sources=frames["sources"], layers=layers
    )
    assert _has_entry(maps[0].figure)


def _low_places_on(on: dt.date) -> set[str]:
    """Places whose every row held on ``on`` is low, from presence.csv."""
    rows = _presence_rows()
    held = _held_on(on)
    places = {rows[i]["place_id"] for i in held}
    return {p for p in places if all(i in PRESENCE for i in held if rows[i]["place_id"] == p)}


def test_place_map_draws_a_base_resting_on_low_rows_hollow(frames, layers) -> None:
    rows = _presence_rows()
    on = _inside(rows[sorted(PRESENCE)[0]])
    low_places = _low_places_on(on)
    assert low_places
    marked = select.places_by_id(frames["places"], sorted(low_places))
    ax = plot_map(
        marked,
        frames["presence"],
        gazetteer=frames["places"],
        as_of=on.isoformat(),
        sources=frames["sources"],
        layers=layers,
    )
    drawn = {a.get_gid()[5:]: a for a in ax.collections if (a.get_gid() or "").startswith("base:")}
    assert low_places <= set(drawn)
    for place_id, artist in drawn.items():
        hollow = tuple(artist.get_facecolor()[0][:3]) == (1.0, 1.0, 1.0)
        assert hollow == (place_id in low_places), place_id
    assert _has_entry(ax)
    # Every base ever held: each of these places also has ordinary rows, so none is drawn low.
    ever = plot_map(
        marked, frames["presence"], gazetteer=frames["places"], sources=frames["sources"], layers=layers
    )
    if not any(all(i in PRESENCE for i in rows if rows[i]["place_id"] == p) for p in low_places):
        assert not _has_entry(ever)


def test_dossier_map_draws_a_low_base_hollow_and_says_so(frames, layers) -> None:
    rows = _presence_rows()
    row_id = sorted(PRESENCE)[0]
    on = _inside(rows[row_id])
    centre = dossier.place_row(frames["places"], rows[row_id]["place_id"])
    towns = dossier.towns_near(geo.load_populated_places(), centre)
    ax = plot_place_map(
        centre,
        frames["places"],
        frames["presence"],
        towns,
        as_of=on.isoformat(),
        sources=frames["sources"],
        layers=layers,
    )
    drawn = {a.get_gid()[5:]: a for a in ax.collections if (a.get_gid() or "").startswith("base:")}
    assert row_id in drawn
    for pid, artist in drawn.items():
        assert (tuple(artist.get_facecolor()[0][:3]) == (1.0, 1.0, 1.0)) == (pid in PRESENCE), pid
    assert _has_entry(ax)


def test_timeline_of_ordinary_events_has_no_low_entry(frames) -> None:
    ax = plot_timeline(frames["events"], sources=frames["sources"])
    assert not _has_entry(ax)
    assert all(a.get_alpha() is None for a in ax.lines if (a.get_gid() or "").startswith("marker:"))


# -- tables ----------------------------------------------------------------------------------------


def test_bases_table_marks_the_low_rows_and_explains(frames) -> None:
    rows = _presence_rows()
    names = {r["id"]: r["name_en"] for r in oracle.rows("places")}
    on = _inside(rows[sorted(PRESENCE)[0]])
    table = footprint.bases_table(frames["presence"], frames["places"], [on], sources=frames["sources"])
    marked = table[table["confidence"] == "low"]
    assert sorted(marked["place"]) == sorted(names[rows[i]["place_id"]] for i in _held_on(on) & PRESENCE)
    assert len(table) == len(_held_on(on))
    html = markup.table_html(table)
    assert "Confidence “low”" in html and "<th>confidence</th>" in html
    # The same table on a day with no low row: no column, no note.
    later = max(oracle.day(rows[i]["end_date"]) for i in PRESENCE) + dt.timedelta(days=30)
    plain = footprint.bases_table(frames["presence"], frames["places"], [later], sources=frames["sources"])
    assert "confidence" not in plain.columns
    assert "Confidence “low”" not in markup.table_html(plain)


def test_presence_at_a_place_marks_its_low_rows(frames) -> None:
    rows = _presence_rows()
    for place_id in sorted({rows[i]["place_id"] for i in PRESENCE}):
        here = sorted((r for r in rows.values() if r["place_id"] == place_id), key=lambda r: r["start_date"])
        table = dossier.presence_at(frames["presence"], place_id, sources=frames["sources"])
        assert list(table["confidence"] == "low") == [r["id"] in PRESENCE for r in here]


def test_a_table_cut_to_its_ordinary_rows_drops_the_note(frames) -> None:
    rows = _presence_rows()
    on = _inside(rows[sorted(PRESENCE)[0]])
    table = footprint.bases_table(frames["presence"], frames["places"], [on], sources=frames["sources"])
    ordinary = table[table["confidence"] != "low"]
    assert len(ordinary) and "Confidence “low”" not in markup.table_html(ordinary)


def test_key_figures_resting_on_low_rows_are_marked(frames) -> None:
    # Three dates: before, between and after the low rows; a figure is marked when it rests on one.
    for as_of in ("2013-12-15", "2021-06-01", "2025-01-01"):
        figures = briefing.key_figures(as_of)
        table = briefing.key_figures_table(figures)
        low = oracle.low_ids("troop_levels") | COSTS | oracle.low_ids("fatalities") | oracle.low_ids("events")
        expected = [bool(set(f.rows["id"]) & low) for f in figures]
        got = list(table["Confidence"] == "low") if "Confidence" in table else [False] * len(figures)
        assert got == expected, as_of
    assert any(expected)  # the latest briefing's cost figure sums low yearly figures


def test_events_and_claims_tables_of_ordinary_rows_have_no_column(frames) -> None:
    assert not oracle.low_ids("events") and not oracle.low_ids("claims")
    table = briefing.events_table(frames["events"], places=frames["places"], sources=frames["sources"])
    assert "confidence" not in table.columns
    claims = briefing.claims_table(briefing.check_claims(), sources=frames["sources"])
    assert "confidence" not in claims.columns
