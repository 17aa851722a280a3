"""around_bases and its charts, on bases and events whose distances and dates are set here.

Each event is put at a chosen great-circle distance and bearing from its base with
`pyproj.Geod.fwd` (the direct problem), so the expected counts follow from how the fixture is
built, not from the code under test (which solves the inverse problem).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest
from pyproj import Geod

from sahel_analysis.events import around_bases, around_text
from sahel_analysis.events.around import CAVEATS, handovers
from sahel_analysis.viz.eventcharts import plot_around_bases, plot_monthly_around

GEOD = Geod(ellps="WGS84")
PLACES = pd.DataFrame(
    {
        "id": ["alpha", "beta", "gamma", "delta"],
        "name_en": ["Alpha", "Beta", "Gamma", "Delta"],
        "latitude": [15.0, 16.0, 17.0, 14.0],
        "longitude": [-1.0, 0.0, 1.0, -3.0],
    }
)
H_ALPHA = pd.Timestamp("2020-06-30")
H_BETA = pd.Timestamp("2021-01-15")


def presence() -> pd.DataFrame:
    rows = [
        # Two contiguous periods at alpha: one presence, handed over at the end of the second.
        ("alpha-serval", "alpha", "Serval", "2013-01-20", "2014-07-31", None),
        ("alpha-barkhane", "alpha", "Barkhane", "2014-08-01", "2020-06-30", "FAMa"),
        ("beta-barkhane", "beta", "Barkhane", "2015-01-01", "2021-01-15", "MINUSMA"),
        ("gamma-barkhane", "gamma", "Barkhane", "2015-01-01", "2019-07-01", None),  # left, not handed over
        # A gap of more than a day: only the later period is the presence handed over.
        ("delta-serval", "delta", "Serval", "2013-01-20", "2014-07-31", None),
        ("delta-barkhane", "delta", "Barkhane", "2016-01-01", "2021-03-01", "FAMa"),
    ]
    frame = pd.DataFrame(rows, columns=["id", "place_id", "operation", "start_date", "end_date", "handed_to"])
    frame["start_date"] = pd.to_datetime(frame["start_date"])
    frame["end_date"] = pd.to_datetime(frame["end_date"])
    frame["start_precision"] = frame["end_precision"] = "day"
    # Each period cites its own document; Barkhane's at alpha has a corroborating one too.
    frame["source_id"] = "doc-" + frame["id"]
    frame["other_source_ids"] = [None, "doc-corroborating", None, None, None, None]
    return frame


SOURCES = pd.DataFrame(
    {
        "id": [*("doc-" + presence()["id"]), "doc-corroborating"],
        "publisher": [
            "Alpha Press",
            "Alpha Press",
            "Beta Times",
            "Gamma Post",
            "Delta Daily",
            "Delta Daily",
            "Echo",
        ],
    }
)


def event(place: str, km: float, date: pd.Timestamp, *, fatalities: int = 0, precision_km: float = 0.0,
          dataset: str = "ACLED", bearing: float = 30.0) -> dict[str, object]:  # fmt: skip
    base = PLACES.set_index("id").loc[place]
    lon, lat, _ = GEOD.fwd(base["longitude"], base["latitude"], bearing, km * 1000.0)
    return {
        "date": date,
        "date_end": date,
        "latitude": lat,
        "longitude": lon,
        "location_precision_km": precision_km,
        "fatalities_best": fatalities,
        "dataset": dataset,
        "accessed": pd.Timestamp("2025-05-20"),
        "original_id": f"{place}-{km}-{date:%Y%m%d}",
    }


DAY = pd.Timedelta(days=1)
EVENTS = [
    event("alpha", 50.0, H_ALPHA - 10 * DAY, fatalities=3),  # exactly on the radius: counted
    event("alpha", 50.01, H_ALPHA - 10 * DAY, fatalities=100),  # 10 m outside: not counted
    event("alpha", 10.0, H_ALPHA, fatalities=5),  # on the handover day: after
    event("alpha", 10.0, H_ALPHA - 365 * DAY, fatalities=1),  # first day of the window before
    event("alpha", 10.0, H_ALPHA - 366 * DAY, fatalities=100),  # a day too early
    event("alpha", 10.0, H_ALPHA + 364 * DAY),  # last day of the window after
    event("alpha", 10.0, H_ALPHA + 365 * DAY, fatalities=100),  # a day too late
    event("alpha", 5.0, H_ALPHA + 5 * DAY, precision_km=float("inf")),  # a region's centroid
    event("alpha", 5.0, H_ALPHA - 3 * DAY, fatalities=2, precision_km=25.0),  # "near" a town
    event("beta", 1.0, H_BETA + 20 * DAY, fatalities=7),
    event("beta", 1.0, H_BETA - 20 * DAY, fatalities=4, dataset="UCDP GED"),
]


@pytest.fixture
def events() -> pd.DataFrame:
    frame = pd.DataFrame(EVENTS)
    frame["dataset"] = frame["dataset"].astype(pd.CategoricalDtype(["ACLED", "UCDP GED"]))
    frame["fatalities_best"] = frame["fatalities_best"].astype("Int64")
    return frame


def row(table: pd.DataFrame, place: str, dataset: str = "ACLED") -> pd.Series:
    match = table[(table["place_id"] == place) & (table["dataset"] == dataset)]
    assert len(match) == 1
    return match.iloc[0]


def test_contiguous_periods_are_one_presence_and_only_handovers_count() -> None:
    table = handovers(presence())
    assert table["place_id"].tolist() == ["alpha", "beta", "delta"]  # gamma was not handed over
    alpha = table.iloc[0]
    assert alpha["operation"] == "Serval, Barkhane" and alpha["held_from"] == pd.Timestamp("2013-01-20")
    assert alpha["handover"] == H_ALPHA and alpha["handed_to"] == "FAMa"
    assert table.iloc[2]["operation"] == "Barkhane"  # delta's Serval period ended 17 months earlier


def test_counts_at_the_edges(events: pd.DataFrame) -> None:
    table = around_bases(events, radius_km=50, window_days=365, presence=presence(), places=PLACES)
    alpha = row(table, "alpha")
    assert alpha["place"] == "Alpha" and alpha["handover"] == H_ALPHA
    assert (alpha["events_before"], alpha["fatalities_before"]) == (3, 3 + 1 + 2)
    assert (alpha["events_after"], alpha["fatalities_after"]) == (2, 5)
    assert (alpha["imprecise_before"], alpha["imprecise_after"]) == (0, 1)
    assert alpha["change"] == 2 - 3
    beta_acled, beta_ucdp = row(table, "beta"), row(table, "beta", "UCDP GED")
    assert (beta_acled["events_before"], beta_acled["events_after"]) == (0, 1)
    assert (beta_ucdp["events_before"], beta_ucdp["events_after"]) == (1, 0)  # datasets never summed
    assert list(table.columns[:7]) == [
        "place", "place_id", "dataset", "operation", "handover", "handover_precision", "handed_to",
    ]  # fmt: skip
    assert not row(table, "delta")["covered"]  # the events stop before delta's window after ends


def test_a_smaller_radius_makes_near_town_events_imprecise(events: pd.DataFrame) -> None:
    table = around_bases(events, radius_km=20, window_days=365, presence=presence(), places=PLACES)
    alpha = row(table, "alpha")
    # The 25 km "near a town" event is now coarser than the radius; the 50 km one is too far.
    assert (alpha["events_before"], alpha["imprecise_before"]) == (1, 1)


def test_bad_arguments_are_refused(events: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="radius_km: expected a positive number"):
        around_bases(events, radius_km=0, presence=presence(), places=PLACES)
    with pytest.raises(ValueError, match="window_days: expected a whole number"):
        around_bases(events, window_days=1.5, presence=presence(), places=PLACES)


def test_text_carries_the_caveats(events: pd.DataFrame) -> None:
    text = around_text(around_bases(events, presence=presence(), places=PLACES))
    assert "within 50 km, 365 days" in text and "Alpha" in text
    for caveat in CAVEATS:
        assert caveat in text
    assert "do not span both windows for: " in text


def test_text_writes_each_handover_to_its_precision_in_the_readers_language(events: pd.DataFrame) -> None:
    from sahel_analysis.i18n import language

    table = presence()
    table.loc[table["id"] == "alpha-barkhane", "end_precision"] = "month"  # "June 2020", not 2020-06-30
    for lang, alpha, beta, yes in (
        ("en", "June 2020", "15 January 2021", "yes"),
        ("fr", "juin 2020", "15 janvier 2021", "oui"),
    ):
        with language(lang):
            rows = around_text(around_bases(events, presence=table, places=PLACES)).splitlines()
        alpha_row = next(r for r in rows if r.lstrip().startswith("Alpha"))
        assert alpha in alpha_row and "2020-06-30" not in alpha_row and "month" not in alpha_row
        assert any(r.lstrip().startswith("Beta") and beta in r for r in rows)
        assert f" {yes}" in "\n".join(rows) and "True" not in "\n".join(rows)


@pytest.fixture
def mpl():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


def test_dumbbell_draws_the_table(events: pd.DataFrame, mpl) -> None:
    from sahel_analysis.viz.style import source_line_text

    table = around_bases(events, presence=presence(), places=PLACES)
    fig, (left, right) = mpl.subplots(1, 2)
    assert plot_around_bases(table, sources=SOURCES, ax=right) is right
    drawn = {a.get_gid(): a.get_offsets() for a in right.collections if a.get_gid()}
    assert np.array_equal(drawn["around:before"][:, 0], table["events_before"].to_numpy(dtype=float))
    assert np.array_equal(drawn["around:after"][:, 0], table["events_after"].to_numpy(dtype=float))
    ys = drawn["around:before"][:, 1]
    assert list(ys) == sorted(ys, reverse=True)  # the table's order, top to bottom
    labels = [t.get_text() for t in right.get_yticklabels()]
    assert labels[0].startswith("Alpha (Jun 2020)") and labels[0].endswith("ACLED")
    line = " ".join(source_line_text(right).split())
    assert "acleddata.com" in line and "CC BY 4.0" in line and "accessed 2025-05-20" in line
    # The handover dates are cited from the periods handed over: alpha's two, beta's, delta's later
    # one; not gamma's (left, not handed over) nor delta's earlier Serval period.
    assert "bases and handover dates, Alpha Press; Beta Times; Delta Daily; Echo (5 documents," in line
    assert "Gamma Post" not in line


def test_monthly_chart_bars_and_handover(events: pd.DataFrame, mpl) -> None:
    import matplotlib.dates as mdates

    ax = plot_monthly_around(events, PLACES.iloc[0], handover=H_ALPHA, radius_km=50)
    bars = [p for p in ax.patches if p.get_gid() == "monthly:events"]
    drawn = {
        pd.Timestamp(mdates.num2date(b.get_x())).tz_localize(None).to_period("M"): b.get_height()
        for b in bars
    }
    months = list(drawn)
    assert months[0] == pd.Period("2019-07", "M") and months[-1] == pd.Period(
        "2021-06", "M"
    )  # a year either side
    # Precisely located events within 50 km of alpha (all but the 50.01 km and the regional
    # ones), less the one a day too early, in June 2019, a month before the chart starts.
    near = [EVENTS[i] for i in (0, 2, 3, 5, 6, 8)]
    expected = Counter(pd.Timestamp(e["date"]).to_period("M") for e in near)
    assert {m: h for m, h in drawn.items() if h} == dict(expected)
    (mark,) = [line for line in ax.lines if line.get_gid() == "handover"]
    assert mdates.date2num(mark.get_xdata()[0]) == mdates.date2num(H_ALPHA)


# ------------------------------------------------------------------------------------- as of a date


def test_as_of_a_date_only_handovers_by_then_count_with_equal_shorter_windows(events: pd.DataFrame) -> None:
    # 20 days after alpha's handover, before beta's: alpha only, 20 + 1 days either side.
    until = H_ALPHA + 20 * DAY
    table = around_bases(
        events, radius_km=50, window_days=365, presence=presence(), places=PLACES, until=until
    )
    assert table["place_id"].tolist() == ["alpha"] and table.attrs["until"] == until
    alpha = row(table, "alpha")
    assert alpha["window_days"] == 21
    # In the 21 days before: the event on the 50 km circle (10 days before) and the one placed near a
    # town (3 days before; 25 km is finer than 50); not the one 365 days before. From the handover to
    # `until`: the handover day's event, and the regional one counted apart; the one 364 days after
    # was not known yet.
    assert (alpha["events_before"], alpha["fatalities_before"]) == (2, 3 + 2)
    assert (alpha["events_after"], alpha["fatalities_after"], alpha["imprecise_after"]) == (1, 5, 1)
    # A year on, the windows are whole again.
    later = around_bases(events, presence=presence(), places=PLACES, until=H_ALPHA + 400 * DAY)
    assert row(later, "alpha")["window_days"] == 365
    assert (
        row(later, "alpha")["events_after"]
        == row(around_bases(events, presence=presence(), places=PLACES), "alpha")["events_after"]
    )
    # Before any handover: nothing to compare, and the table keeps its columns.
    empty = around_bases(events, presence=presence(), places=PLACES, until=H_ALPHA - DAY)
    assert empty.empty and "events_before" in empty.columns


def test_a_place_in_a_country_the_data_do_not_cover_gets_no_row(events: pd.DataFrame) -> None:
    from sahel_analysis.events import around_place

    places = PLACES.assign(country_iso3=["MLI", "NER", "MLI", "CIV"])
    mali = events.assign(country="Mali")
    table = around_bases(mali, presence=presence(), places=places)
    assert sorted(set(table["place_id"])) == ["alpha"]  # beta is in Niger, delta in Côte d'Ivoire
    left = {(p["place_id"], p["dataset"]) for p in table.attrs["left_out"]}
    assert left == {("beta", "ACLED"), ("beta", "UCDP GED"), ("delta", "ACLED"), ("delta", "UCDP GED")}
    assert around_place(table, "beta") is None
    with pytest.raises(ValueError, match="place 'gamma' was not handed over"):
        around_place(table, "gamma")
    assert "No row for places in a country the data hold no event in: Beta (Niger, ACLED)" in around_text(
        table
    )
    # UCDP writes Côte d'Ivoire "Ivory Coast": delta counts once the data hold an event there.
    covered = pd.concat([mali, mali.head(1).assign(country="Ivory Coast")], ignore_index=True)
    assert "delta" in set(around_bases(covered, presence=presence(), places=places)["place_id"])
