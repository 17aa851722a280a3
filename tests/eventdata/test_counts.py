"""Events per year, region and type of violence, their charts, and the periods mapped.

Every expected figure is recomputed here with the csv module from UCDP's Mali export, the input the
shipped table is derived from (data/conflict/raw/, read by tests/oracle.py), and the milestones from
data/events.csv: never from the library's own output.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from oracle import rows, ucdp_day, ucdp_export

from sahel_analysis import events as ed
from sahel_analysis import select, tables
from sahel_analysis.geo import load_map_layers
from sahel_analysis.viz.eventmap import EVENTS_GID, plot_period_maps
from sahel_analysis.viz.eventregions import CELL_GID, plot_region_table
from sahel_analysis.viz.eventtypes import CIVILIANS_GID, TYPE_GID, plot_violence_types
from sahel_analysis.viz.eventyears import YEARLY_GID, plot_yearly
from sahel_analysis.viz.style import source_line_text

YEARS = range(2012, 2024)
TYPES = {"1": "State-based conflict", "2": "Non-state conflict", "3": "One-sided violence"}


def tally(key: Callable[[dict[str, str]], object] = lambda r: None) -> dict[tuple[object, int], Counter]:
    """Per (key, year) of Mali's export, 2012-2023: events, best, the band widened to hold best, the
    events whose best is outside low-high, civilians killed."""
    out: dict[tuple[object, int], Counter] = defaultdict(Counter)
    for r in ucdp_export("Mali"):
        year = ucdp_day(r).year
        if year not in YEARS:
            continue
        best, low, high = int(r["best_est"]), int(r["low_est"]), int(r["high_est"])
        c = out[(key(r), year)]
        c["events"] += 1
        c["best"] += best
        c["low"] += min(low, best)
        c["high"] += max(high, best)
        c["outside"] += not low <= best <= high
        c["civilians"] += int(r["deaths_civilians"])
    return out


@pytest.fixture(scope="module")
def mali() -> pd.DataFrame:
    shipped = ed.load_shipped_ucdp(cache=False)
    return ed.filter_events(shipped, country="Mali", start="2012-01-01", end="2023-12-31")


def gids(ax, prefix: str) -> list:
    return [a for a in ax.findobj() if (a.get_gid() or "").startswith(prefix)]


def test_yearly_counts_are_the_export_recounted(mali: pd.DataFrame) -> None:
    expected = tally()
    table = ed.yearly_counts(mali, start="2012-01-01", end="2023-12-31")
    assert table["year"].tolist() == list(YEARS)
    for row in table.itertuples():
        want = expected[(None, row.year)]
        got = {k: getattr(row, k) for k in ("events", "best", "low", "high", "outside", "civilians")}
        assert got == {k: want[k] for k in got}, row.year
    assert expected[(None, 2022)]["events"] == 408  # the export's README, as issue 22 quotes it


def test_the_yearly_chart_draws_the_counts_with_the_band_and_the_milestones(mali: pd.DataFrame) -> None:
    import matplotlib.pyplot as plt

    expected = tally()
    table = ed.yearly_counts(mali, start="2012-01-01", end="2023-12-31")
    curated = tables.load_events()
    marks = select.country_milestones(curated, "Mali", "2012-01-01", "2023-12-31")
    sources = tables.load_sources()
    events_ax = plot_yearly(table, measure="events", milestones=marks, sources=sources)
    bars = gids(events_ax, f"{YEARLY_GID}events")
    assert [round(b.get_height()) for b in bars] == [expected[(None, y)]["events"] for y in YEARS]
    ax = plot_yearly(table, measure="fatalities", milestones=marks, sources=sources)
    bars = gids(ax, f"{YEARLY_GID}fatalities")
    assert [round(b.get_height()) for b in bars] == [expected[(None, y)]["best"] for y in YEARS]
    (band,) = [a for a in gids(ax, YEARLY_GID) if a.get_gid() == f"{YEARLY_GID}band"]
    spans = [tuple(sorted(seg[:, 1])) for seg in band.get_segments()]
    assert spans == [(expected[(None, y)]["low"], expected[(None, y)]["high"]) for y in YEARS]
    # Each bar stands within its own year.
    for bar, year in zip(bars, YEARS, strict=True):
        import matplotlib.dates as mdates

        left = mdates.num2date(bar.get_x()).date()
        right = mdates.num2date(bar.get_x() + bar.get_width()).date()
        assert dt.date(year, 1, 1) <= left < right <= dt.date(year, 12, 31)
    # The milestones of data/events.csv in Mali or of the French operations, 2012-2023, each marked.
    wanted = {
        r["id"]
        for r in rows("events")
        if r["milestone"] == "true"
        and (r["country_iso3"] == "MLI" or r["category"] == "military_operation")
        and "2012-01-01" <= r["date"] <= "2023-12-31"
    }
    assert {a.get_gid().removeprefix("milestone:") for a in gids(ax, "milestone:")} == wanted
    assert {"2013-01-11-serval-launched", "2022-08-15-last-french-troops-leave-mali"} <= wanted
    # Numbered above the plot; the key right of it gives each one's title, in date order.
    (key,) = [t for t in ax.texts if t.get_gid() == "milestone-key"]
    titles = [r["title"] for r in sorted(rows("events"), key=lambda r: r["date"]) if r["id"] in wanted]
    flat = " ".join(key.get_text().split())
    assert [flat.index(t) for t in titles] == sorted(flat.index(t) for t in titles)
    assert len(gids(ax, "milestone-number:")) == len(wanted)
    outside = sum(expected[(None, y)]["outside"] for y in YEARS)
    notes = [t.get_text() for t in ax.texts if "low–high range" in t.get_text()]
    assert len(notes) == 1 and f"In {outside} of these events" in notes[0]
    line = source_line_text(ax)
    assert "UCDP" in line and "CC BY 4.0" in line and "milestones" in line
    assert "Mali" in ax.get_title("left") and "2012–2023" in ax.get_title("left")
    plt.close("all")


def test_the_region_table_gives_each_region_and_year(mali: pd.DataFrame) -> None:
    import matplotlib.pyplot as plt

    expected = tally(lambda r: r["adm_1"] or "(no region given)")
    table = ed.yearly_counts(mali, by="admin1", start="2012-01-01", end="2023-12-31")
    for measure, key in (("events", "events"), ("fatalities", "best")):
        ax = plot_region_table(table, measure=measure)
        cells = {a.get_gid().removeprefix(CELL_GID): a.get_text() for a in gids(ax, CELL_GID)}
        regions = {region for region, _year in expected}
        assert len(cells) == len(regions) * len(YEARS)
        for region in regions:
            for year in YEARS:
                value = expected[(region, year)][key]
                assert cells[f"{region}:{year}"] == (f"{value:,}" if value else "·"), (region, year)
        # The regions in order of their totals, the first at the top; the region-less row last.
        totals = Counter()
        for (region, _year), c in expected.items():
            totals[region] += c[key]
        labels = [t.get_text() for t in ax.get_yticklabels()]
        assert labels[-1] == "(no region given)"
        assert [totals[r] for r in labels[:-1]] == sorted((totals[r] for r in labels[:-1]), reverse=True)
        plt.close("all")


def test_violence_types_stack_the_deaths_and_the_civilians_line_follows_ucdp(mali: pd.DataFrame) -> None:
    import matplotlib.pyplot as plt

    expected = tally(lambda r: TYPES[r["type_of_violence"]])
    ax = plot_violence_types(ed.yearly_counts(mali, by="event_type", start="2012-01-01", end="2023-12-31"))
    for kind in TYPES.values():
        bars = gids(ax, f"{TYPE_GID}{kind}")
        assert [round(b.get_height()) for b in bars] == [expected[(kind, y)]["best"] for y in YEARS], kind
    (line,) = gids(ax, CIVILIANS_GID)
    civilians = [sum(expected[(k, y)]["civilians"] for k in TYPES.values()) for y in YEARS]
    assert list(line.get_ydata()) == civilians
    plt.close("all")


def test_the_periods_end_where_the_next_begins_and_the_last_follows_the_withdrawal() -> None:
    curated = tables.load_events()
    left = [
        r["date"]
        for r in rows("events")
        if r["milestone"] == "true" and r["category"] == "withdrawal" and r["country_iso3"] == "MLI"
    ]
    assert len(left) == 1
    left_day = dt.date.fromisoformat(left[0])
    periods = ed.map_periods(curated, end="2023-12-31")
    assert periods["start"].dt.strftime("%Y-%m-%d").tolist() == ["2013-01-01", "2018-01-01", left[0]]
    assert (
        periods["end"].iloc[:-1].to_numpy() == (periods["start"].iloc[1:] - pd.Timedelta(days=1)).to_numpy()
    ).all()
    assert periods["end"].iloc[-1] == pd.Timestamp("2023-12-31")
    assert periods["label"].tolist()[0] == "2013 – 2017"
    # Starts given: those, sorted; one after the end is dropped.
    given = ed.map_periods(curated, end="2020-12-31", starts=["2019-01-01", "2015-06-01", "2022-01-01"])
    assert given["label"].tolist() == ["1 Jun 2015 – 2018", "2019 – 2020"]
    assert (
        ed.map_periods(curated, end="2023-06-30")["label"].iloc[-1] == f"{left_day:%-d %b %Y} – 30 Jun 2023"
    )


def test_the_period_maps_place_each_event_once_on_one_scale(mali: pd.DataFrame) -> None:
    import matplotlib.pyplot as plt

    periods = ed.map_periods(tables.load_events(), end="2023-12-31")
    axes = plot_period_maps(mali, periods, layers=load_map_layers())
    export = [
        (ucdp_day(r), int(r["best_est"])) for r in ucdp_export("Mali") if 2012 <= ucdp_day(r).year <= 2023
    ]
    biggest = max(best for _day, best in export)
    for ax, period in zip(axes, periods.itertuples(), strict=True):
        mine = [best for day, best in export if period.start.date() <= day <= period.end.date()]
        (dots,) = gids(ax, f"{EVENTS_GID}UCDP GED")
        assert len(dots.get_offsets()) == len(mine)
        assert ax.get_title("left") == period.label
        # One scale: the area a bubble gets is its deaths over the deadliest event of all the maps.
        sizes = np.sort(dots.get_sizes())
        assert sizes[-1] == pytest.approx(400.0 * max(mine) / biggest)
    assert axes[0].get_legend() is not None and all(a.get_legend() is None for a in axes[1:])
    assert source_line_text(axes[0]) and not any(source_line_text(a) for a in axes[1:])
    assert len({a.get_xlim() for a in axes}) == 1 and len({a.get_ylim() for a in axes}) == 1
    plt.close("all")


def test_yearly_counts_take_one_dataset_and_a_known_grouping(mali: pd.DataFrame) -> None:
    other = mali.head(3).assign(dataset=pd.Categorical(["ACLED"] * 3, categories=ed.DATASETS))
    both = ed.concat_events(mali, other)
    with pytest.raises(ValueError, match="events: expected the rows of one dataset, found ACLED, UCDP GED"):
        ed.yearly_counts(both)
    with pytest.raises(ValueError, match="by: expected one of None, 'admin1', 'event_type', found 'actor1'"):
        ed.yearly_counts(mali, by="actor1")
    assert [name for name, _rows in ed.split_datasets(both)] == ["ACLED", "UCDP GED"]


def test_the_files_given_replace_the_shipped_events_which_can_be_turned_off(tmp_path, monkeypatch) -> None:
    from .rows import acled_row, write_csv

    monkeypatch.setenv("SAHEL_ANALYSIS_CACHE", str(tmp_path / "cache"))
    shipped = ed.load_event_files()
    assert shipped.attrs["shipped"] and len(shipped) == len(ucdp_export("Mali")) + len(
        ucdp_export("Burkina Faso")
    )
    assert ed.shipped_note(shipped).startswith(
        "Conflict events: UCDP GED 24.1, Mali and Burkina Faso, 1990–2023, shipped with the package; "
        "bring an ACLED or newer UCDP file to extend"
    )
    assert set(ed.shipped_sources(shipped)["source_id"]) == set(ed.shipped_ucdp_provenance()["source_ids"])
    given = ed.load_event_files(write_csv(tmp_path / "acled.csv", [acled_row(0)]))
    assert given["dataset"].astype(str).tolist() == ["ACLED"]
    assert not given.attrs["shipped"] and ed.shipped_note(given) is None and ed.shipped_sources(given).empty
    nothing = ed.load_event_files(shipped_ucdp=False)
    assert nothing.empty and not nothing.attrs["shipped"]
