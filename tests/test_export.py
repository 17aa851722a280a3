"""What a chart carries besides its pixels: its alt text and the rows it was drawn from."""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from sahel_analysis import select, tables
from sahel_analysis.viz import export
from sahel_analysis.viz.costs import plot_costs
from sahel_analysis.viz.placemap import plot_map
from sahel_analysis.viz.style import add_source_line
from sahel_analysis.viz.timeline import plot_timeline
from sahel_analysis.viz.troops import plot_troop_levels


def _read(csv: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(csv), dtype=str, keep_default_na=False)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _charts() -> dict[str, plt.Axes]:
    from sahel_analysis.geo import load_map_layers

    places, sources = tables.load_places(), tables.load_sources()
    return {
        "troops": plot_troop_levels(
            tables.load_troop_levels(), events=tables.load_events(), sources=sources, end="2020-12-31"
        ),
        "costs": plot_costs(
            tables.load_costs(), sources=sources, cpi=tables.load_cpi(), constant=True, base_year=2022
        ),
        "timeline": plot_timeline(
            tables.load_events(), sources=sources, start="2013-01-01", end="2016-12-31"
        ),
        "map": plot_map(
            select.places_by_id(places, ["gao", "kidal"]),
            tables.load_presence(),
            gazetteer=places,
            as_of=pd.Timestamp("2019-01-01").date(),
            sources=sources,
            layers=load_map_layers(),
        ),
    }


def test_every_chart_gets_an_alt_text_with_its_title_and_a_summary() -> None:
    for name, ax in _charts().items():
        alt = export.alt_text(ax.figure)
        title = ax.get_title("left") or ax.get_title()
        described = export.description(ax)
        assert described is not None and described.summary, name
        assert alt.startswith(title), (name, alt)
        assert described.summary in alt, (name, alt)
        assert "\n" not in alt and "No description" not in alt


def test_the_rows_offered_are_the_rows_drawn_with_their_sources() -> None:
    charts = _charts()
    known_sources = set(tables.load_sources()["id"])
    for name, ax in charts.items():
        ((filename, rows),) = export.chart_data(ax.figure)
        back = _read(export.to_csv(rows))
        assert len(back) == len(rows) > 0, name
        assert "source_id" in back.columns, name
        cited = {s for cell in back["source_id"] for s in cell.split(";") if s}
        assert cited and cited <= known_sources, (name, cited - known_sources)

    # Troops: the frame passed in, cut to the dates drawn; and every level the lines reach is a row.
    troops = select.window(tables.load_troop_levels(), None, "2020-12-31")
    rows = _read(export.to_csv(export.chart_data(charts["troops"].figure)[0][1]))
    assert list(rows["id"]) == list(troops["id"])
    drawn = {
        float(y)
        for line in charts["troops"].lines
        if str(line.get_gid()).endswith((":reported", ":announced"))
        for y in np.asarray(line.get_ydata(), float)
        if np.isfinite(y)
    }
    levels = set(rows["personnel"].astype(float)) | {float(v) for v in rows["personnel_high"] if v}
    assert drawn and drawn <= levels

    # Costs: one row per bar, keyed as the bar's gid (coverage, year, kind), its height the amount.
    rows = _read(export.to_csv(export.chart_data(charts["costs"].figure)[0][1]))
    bars = {
        p.get_gid(): p.get_height() for p in charts["costs"].patches if str(p.get_gid()).startswith("bar:")
    }
    offered = {f"bar:{r.coverage}:{r.year}:{r.cost_type}": float(r.amount) for r in rows.itertuples()}
    assert bars.keys() == offered.keys()
    assert all(bars[k] == pytest.approx(offered[k]) for k in bars)

    # Timeline: the events within the dates, each once.
    shown = select.window(tables.load_events(), "2013-01-01", "2016-12-31")
    rows = _read(export.to_csv(export.chart_data(charts["timeline"].figure)[0][1]))
    assert list(rows["id"]) == list(shown["id"])

    # Map: the two places marked and the bases held on that day.
    rows = _read(export.to_csv(export.chart_data(charts["map"].figure)[0][1]))
    assert set(rows.loc[rows["layer"] == "place", "place_id"]) == {"gao", "kidal"}
    held = select.bases_as_of(tables.load_presence(), pd.Timestamp("2019-01-01").date())
    assert set(rows.loc[rows["layer"] == "base", "id"]) == set(held["id"])


def test_a_figure_nobody_described_falls_back_to_its_title_and_source_line() -> None:
    fig, ax = plt.subplots()
    ax.plot([1, 2, 3])
    ax.set_title("Plain chart")
    add_source_line(ax, "Somebody's table")
    assert export.alt_text(fig) == "Plain chart. Source: Somebody's table."
    assert export.chart_data(fig) == []
    bare, ax2 = plt.subplots()
    ax2.set_xlabel("year")
    assert export.alt_text(bare) == "Chart of year."


def test_ipython_display_carries_alt_text_and_data_whatever_the_order_of_set_up() -> None:
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.core.pylabtools import select_figure_formats

    shell = InteractiveShell.instance()
    assert export.install(shell)
    # What %matplotlib inline does, after the library was imported: it must not undo the hook.
    select_figure_formats(shell, {"png"})
    ax = plot_timeline(
        tables.load_events(), sources=tables.load_sources(), start="2013-01-01", end="2013-12-31"
    )
    data, metadata = shell.display_formatter.format(ax.figure)
    assert "image/png" in data
    assert metadata["image/png"]["alt"] == export.alt_text(ax.figure)
    ((item),) = metadata[export.METADATA_KEY]["data"]
    assert item["name"] == "events.csv"
    assert list(_read(item["csv"])["id"]) == list(
        select.window(tables.load_events(), "2013-01-01", "2013-12-31")["id"]
    )
