"""Event charts and the conflict-events notebook: what they draw, and the notebook's parameters."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sahel_analysis import events as ed
from sahel_analysis.params import check_event_params
from sahel_analysis.viz.eventcharts import MILESTONE_GID, plot_event_counts
from sahel_analysis.viz.eventmap import ADMIN1_GID, EVENTS_GID, plot_event_map

from .rows import ACCESSED, acled_row, ucdp_row, write_csv

# ------------------------------------------------------------------------------------- notebook parameters


def test_check_event_params(tmp_path: Path) -> None:
    from sahel_analysis.params import ParameterError

    path = write_csv(tmp_path / "acled.csv", [acled_row(0)])
    params = check_event_params(acled_path=str(path), start="2020-01-01", event_types=["Battles"])
    assert params["acled_path"] == path and params["ucdp_path"] is None
    assert params["start"] == dt.date(2020, 1, 1) and params["end"] is None
    with pytest.raises(ParameterError, match="acled_path: no such file"):
        check_event_params(acled_path=str(tmp_path / "nope.csv"))
    with pytest.raises(ParameterError, match="event_types: expected a non-empty list"):
        check_event_params(event_types="Battles")
    with pytest.raises(ParameterError, match="aggregate: expected one of None, admin1"):
        check_event_params(aggregate="admin2")
    with pytest.raises(ParameterError, match="end: expected a date on or after start"):
        check_event_params(start="2021-01-01", end="2020-01-01")


# ------------------------------------------------------------------------------------- plots


@pytest.fixture
def sahel_events(tmp_path: Path) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    acled = [
        acled_row(
            i,
            f"{1 + i % 28:02d}-{1 + i % 12:02d}-{2013 + i % 3}",
            latitude=round(float(rng.uniform(12, 20)), 4),
            longitude=round(float(rng.uniform(-8, 2)), 4),
            admin1=f"Region {i % 4}",
            fatalities=int(rng.integers(0, 30)),
        )
        for i in range(60)
    ]
    ucdp = [
        ucdp_row(i, date_start=f"2014-0{1 + i % 9}-15", adm_1=f"Region {i % 3} region") for i in range(20)
    ]
    return ed.concat_events(
        ed.load_acled(write_csv(tmp_path / "acled.csv", acled), cache=False),
        ed.load_ucdp_ged(write_csv(tmp_path / "ged.csv", ucdp), cache=False),
    )


@pytest.fixture
def mpl():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


@pytest.fixture(scope="module")
def layers():
    from sahel_analysis.geo import load_map_layers

    return load_map_layers()


def _by_gid(ax, prefix: str) -> dict[str, object]:
    found = {}
    for artist in ax.findobj():
        gid = artist.get_gid()
        if gid and gid.startswith(prefix):
            found[gid[len(prefix) :]] = artist
    return found


def test_event_map_bubbles_and_source_line(sahel_events: pd.DataFrame, layers, mpl) -> None:
    from sahel_analysis.viz.style import source_line_text

    ax = plot_event_map(sahel_events, layers=layers)
    points = _by_gid(ax, EVENTS_GID)
    assert set(points) == {"ACLED", "UCDP GED"}
    assert len(points["ACLED"].get_offsets()) == 60 and len(points["UCDP GED"].get_offsets()) == 20
    sizes = np.concatenate([p.get_sizes() for p in points.values()])
    assert sizes.max() == pytest.approx(400.0)  # the deadliest event sets the scale
    line = source_line_text(ax)
    assert "ACLED" in line and "acleddata.com" in line and f"accessed {ACCESSED}" in line
    assert "UCDP" in line and "CC BY 4.0" in line and "Natural Earth" in line


def test_event_map_by_admin1(sahel_events: pd.DataFrame, layers, mpl) -> None:
    ax = plot_event_map(sahel_events, layers=layers, aggregate="admin1")
    regions = _by_gid(ax, ADMIN1_GID)
    assert set(regions) == {f"ACLED:Region {i}" for i in range(4)} | {
        f"UCDP GED:Region {i} region" for i in range(3)
    }
    with pytest.raises(ValueError, match="aggregate"):
        plot_event_map(sahel_events, layers=layers, aggregate="admin2")


def test_event_counts_lines_milestones_and_sources(sahel_events: pd.DataFrame, mpl) -> None:
    from sahel_analysis.tables import load_events, load_sources
    from sahel_analysis.viz.style import source_line_text

    curated = load_events()
    ax = plot_event_counts(sahel_events, curated=curated, sources=load_sources())
    table = ed.monthly_counts(sahel_events)
    lines = _by_gid(ax.figure, "")  # both y axes
    assert {"events:ACLED", "events:UCDP GED", "fatalities:ACLED", "fatalities:UCDP GED"} <= set(lines)
    assert list(lines["events:ACLED"].get_ydata()) == table[("events", "ACLED")].tolist()
    shown = curated[curated["milestone"].astype(bool) & curated["date"].between("2013-01-01", "2015-12-31")]
    assert len(shown) > 0
    assert set(_by_gid(ax, MILESTONE_GID)) == set(shown["id"])
    line = source_line_text(ax)
    assert "ACLED" in line and "UCDP" in line and "milestones" in line and "data/sources.csv" in line
    with pytest.raises(TypeError, match="^sources: "):
        plot_event_counts(sahel_events, curated=curated)  # milestones cannot be cited without it


def test_event_counts_on_given_axes_and_empty_selection(sahel_events: pd.DataFrame, layers, mpl) -> None:
    from sahel_analysis.viz.style import source_line_text

    fig, (top, bottom) = mpl.subplots(2)
    assert plot_event_counts(sahel_events, measure="fatalities", ax=bottom) is bottom
    table = ed.monthly_counts(sahel_events)
    lines = _by_gid(bottom, "fatalities:")
    assert set(lines) == {"ACLED", "UCDP GED"}
    for name, line in lines.items():
        assert list(line.get_ydata()) == table[("fatalities", name)].astype(float).tolist()
    assert not _by_gid(bottom, "events:")  # one measure asked for, one drawn
    empty = ed.filter_events(sahel_events, country="Nowhere")
    assert plot_event_counts(empty, measure="events", ax=top, title="") is top
    assert top.get_title() == "" and not top.lines
    assert "No events in the selection" in [t.get_text() for t in top.texts]
    assert source_line_text(top) == "Sources: none"
    ax = plot_event_map(empty, layers=layers)
    assert not _by_gid(ax, EVENTS_GID) and "No events in the selection" in [t.get_text() for t in ax.texts]
    # An empty map shows Mali, whole.
    x0, y0, x1, y1 = layers.mali_bounds
    assert ax.get_xlim() == pytest.approx((x0, x1)) and ax.get_ylim() == pytest.approx((y0, y1))


# ------------------------------------------------------------------------------------- the notebook


def test_notebook_builds_with_files_is_skipped_without_and_refuses_bad_values(
    sahel_events: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    from sahel_analysis.cli import main

    monkeypatch.setenv("SAHEL_ANALYSIS_CACHE", str(tmp_path / "cache"))
    notebook = Path(__file__).resolve().parents[2] / "notebooks" / "05_conflict_events.ipynb"
    files = f"acled_path: {tmp_path / 'acled.csv'}\nucdp_path: {tmp_path / 'ged.csv'}\n"
    variants = {
        "with-files": files + "country: Testland\nstart: 2013-01-01\nend: 2016-12-31\naggregate: admin1\n",
        "no-files": "shipped_ucdp: false\n",  # and the shipped events turned off: nothing to show
        "bad": files + "aggregate: admin2\n",
    }
    args = ["build", str(notebook), "-o", str(tmp_path / "out"), "-j", "3"]
    for name, text in variants.items():
        (tmp_path / f"{name}.yaml").write_text(text)
        args += ["-f", str(tmp_path / f"{name}.yaml")]
    code = main(args)
    captured = capsys.readouterr()
    report = captured.out + captured.err
    out = tmp_path / "out"
    assert code != 0 and "aggregate: expected one of None, admin1" in report  # the bad variant
    assert re.search(r"05_conflict_events--no-files\s+skipped", report)
    assert not (out / "05_conflict_events--no-files.html").exists()  # never an empty briefing
    assert (out / "05_conflict_events--with-files.html").is_file()
    executed = (out / "05_conflict_events--with-files.ipynb").read_text(encoding="utf-8")
    # Testland only (rows 0, 4, 8... of the ACLED file are elsewhere), all dates in range.
    assert re.search(r"ACLED, Testland, 2013–2016: 45 events", executed)
    assert re.search(r"UCDP GED, Testland, 2013–2016: 20 events", executed)
    html = (out / "05_conflict_events--with-files.html").read_text(encoding="utf-8")
    # Per dataset: events and fatalities per year, the two region tables, the violence types; the maps
    # by period, events and fatalities by month. No French base is in Testland: no chart around them.
    assert html.count("<img") == 2 * 5 + 3
    assert "shipped with the package" not in html  # the files given replace the shipped events
    assert "Caveats:" in executed and "not cause and effect" in executed
    assert "No row for places in a country the data hold no event in: Kidal (Mali, ACLED)" in executed
