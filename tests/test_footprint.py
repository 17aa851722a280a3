"""The footprint: maps by date, the Gantt chart, the counts, the animation, the notebook.

Expectations are computed here from data/presence.csv read with the csv module, not through the
package's loaders, so a wrong rule in the library cannot agree with itself.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from pathlib import Path

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pytest
from conftest import run_variants

from sahel_analysis import footprint, tables
from sahel_analysis.params import ParameterError, check_footprint_params
from sahel_analysis.viz import bases
from sahel_analysis.viz import footprint as fpviz

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "07_footprint.ipynb"


def _csv(name):
    with open(ROOT / "data" / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _day(text):
    return dt.date.fromisoformat(text) if text else None


def _held_ids(on):
    """Presence rows held on ``on``: started by then, not yet ended (the handover day is the new holder's)."""
    return {
        r["id"]
        for r in _csv("presence")
        if _day(r["start_date"]) <= on and (not r["end_date"] or _day(r["end_date"]) > on)
    }


def _last_day():
    rows = _csv("presence")
    return max(_day(r[c]) for r in rows for c in ("start_date", "end_date") if r[c])


# Three dates: the Barkhane years, the week of the article, and one after 2023.
DATES = [dt.date(2016, 6, 1), dt.date(2021, 6, 4), dt.date(2024, 3, 1)]


@pytest.fixture(scope="module")
def frames():
    return tables.load_presence(), tables.load_places()


@pytest.fixture(scope="module")
def cited():
    """What every chart here is given besides its rows: the sources table and the map layers."""
    from sahel_analysis.geo import load_map_layers

    return {"sources": tables.load_sources(), "layers": load_map_layers()}


def _gids(ax, prefix):
    return {a.get_gid()[len(prefix) :]: a for a in ax.findobj() if (a.get_gid() or "").startswith(prefix)}


@pytest.mark.parametrize("on", DATES, ids=str)
def test_map_draws_exactly_the_bases_held_that_day(frames, on, cited):
    presence, places = frames
    ax = fpviz.plot_footprint(presence, places, on=on.isoformat(), **cited)
    drawn = _gids(ax, "base:")
    assert set(drawn) == _held_ids(on)
    assert not _gids(ax, "outside")  # the default extent holds every base in the record
    coords = {r["id"]: r for r in _csv("places")}
    place_of = {r["id"]: r["place_id"] for r in _csv("presence")}
    from pyproj import Transformer

    to_map = Transformer.from_crs("EPSG:4326", footprint_crs(), always_xy=True)
    for pid, artist in drawn.items():
        row = coords[place_of[pid]]
        x, y = to_map.transform(float(row["longitude"]), float(row["latitude"]))
        assert list(artist.get_offsets()[0]) == pytest.approx([x, y], abs=1)
    assert f"({len(_held_ids(on))})" in ax.get_title(loc="left")
    plt.close(ax.figure)


def footprint_crs():
    from sahel_analysis.geo import MALI_CRS

    return MALI_CRS


def test_an_operation_without_a_style_gets_the_fallback(frames, cited):
    presence, places = frames
    odd = presence.assign(operation=["Some new status"] + list(presence["operation"].iloc[1:]))
    on = odd["start_date"].iloc[0]
    ax = fpviz.plot_footprint(odd, places, on=on, **cited)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Some new status" in labels
    plt.close(ax.figure)


def test_labels_do_not_overlap_each_other_or_markers(frames, cited):
    presence, places = frames
    ax = fpviz.plot_footprint(presence, places, on="2019-12-31", **cited)  # the widest footprint in Mali
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    boxes = {
        t.get_gid(): t.get_window_extent(renderer)
        for t in ax.texts
        if (t.get_gid() or "").startswith("label:")
    }
    assert len(boxes) >= 5
    for (a, ba), (b, bb) in itertools.combinations(boxes.items(), 2):
        assert not ba.overlaps(bb), f"{a} overlaps {b}"
    for gid, artist in _gids(ax, "base:").items():
        x, y = ax.transData.transform(artist.get_offsets()[0])
        for label, box in boxes.items():
            assert not box.contains(x, y), f"{label} covers base {gid}"
    plt.close(ax.figure)


def test_small_multiples_one_map_per_date(frames, cited):
    presence, places = frames
    axes = fpviz.plot_footprints(presence, places, DATES, **cited)
    assert len(axes) == len(DATES)
    for ax, on in zip(axes, DATES, strict=True):
        assert set(_gids(ax, "base:")) == _held_ids(on)
    plt.close(axes[0].figure)


def test_gantt_bars_equal_the_presence_rows(frames, cited):
    presence, places = frames
    ax = bases.plot_bases_timeline(presence, places, sources=cited["sources"])
    bars = _gids(ax, "bar:")
    rows = {r["id"]: r for r in _csv("presence")}
    assert set(bars) == set(rows)
    last = mdates.date2num(_last_day())
    for pid, bar in bars.items():
        start = mdates.date2num(_day(rows[pid]["start_date"]))
        end = mdates.date2num(_day(rows[pid]["end_date"])) if rows[pid]["end_date"] else last
        assert bar.get_x() == pytest.approx(start)
        assert bar.get_x() + bar.get_width() == pytest.approx(end)
    handed = {pid for pid, r in rows.items() if r["handed_to"] and r["end_date"]}
    assert set(_gids(ax, "handover:")) == handed
    texts = " ".join(t.get_text() for t in ax.texts)
    for pid in handed:
        assert f"→ {rows[pid]['handed_to']}" in texts
    plt.close(ax.figure)


def test_counts_are_the_places_held(frames, cited):
    presence, _ = frames
    ax = bases.plot_base_counts(presence, sources=cited["sources"])
    # The main line; the stretches resting on low-confidence rows are drawn apart (count:bases:low:...).
    (line,) = [a for a in ax.lines if a.get_gid() == "count:bases"]
    x, y = line.get_data()
    place_of = {r["id"]: r["place_id"] for r in _csv("presence")}
    for on in DATES:
        i = max(k for k, v in enumerate(x) if v <= mdates.date2num(on))
        assert y[i] == len({place_of[p] for p in _held_ids(on)})
    plt.close(ax.figure)


def test_the_animation_has_one_frame_per_month(frames, cited):
    from PIL import Image

    presence, places = frames
    data = fpviz.footprint_apng(presence, places, **cited)
    last = _last_day()
    months = (last.year - 2013) * 12 + last.month  # January 2013 to the last month, both included
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.n_frames == months
    html = fpviz.animate_footprint(presence, places, end=last, **cited)
    assert html.startswith("<img") and "data:image/png;base64," in html
    assert len(html) < 3_000_000  # leaves room in a page under 5 MB


def test_bases_table_lists_the_bases_of_each_date(frames, cited):
    presence, places = frames
    table = footprint.bases_table(presence, places, DATES, sources=cited["sources"])
    names = {r["id"]: r["name_en"] for r in _csv("places")}
    place_of = {r["id"]: r["place_id"] for r in _csv("presence")}
    publisher = {r["id"]: r["publisher"] for r in _csv("sources")}
    rows = {r["id"]: r for r in _csv("presence")}
    for on in DATES:
        shown = table[table["date"] == on.isoformat()]
        assert sorted(shown["place"]) == sorted(names[place_of[p]] for p in _held_ids(on))
        # Each row names the publishers of its own presence row's sources, main source first.
        expected = sorted(
            "; ".join(
                dict.fromkeys(
                    publisher[i]
                    for i in [rows[p]["source_id"], *filter(None, rows[p]["other_source_ids"].split(";"))]
                )
            )
            for p in _held_ids(on)
        )
        assert sorted(shown["sources"]) == expected


def test_extent_is_a_box_in_degrees_or_none_for_every_base(frames, cited):
    from pyproj import Transformer

    presence, places = frames
    to_map = Transformer.from_crs("EPSG:4326", footprint_crs(), always_xy=True)
    box = footprint.EXTENTS["sahel"]
    ax = fpviz.plot_footprint(presence, places, on="2021-06-04", extent=box, **cited)
    x0, x1 = ax.get_xlim()
    # The map's limits are the box's corners projected (the box's edges bulge once projected).
    west, _ = to_map.transform(box[0], (box[1] + box[3]) / 2)
    assert x0 <= west and x1 - x0 < 6_000_000
    fitted = fpviz.plot_footprint(presence, places, on="2021-06-04", extent=None, **cited)
    (fx0, fx1), (fy0, fy1) = fitted.get_xlim(), fitted.get_ylim()
    coords = {r["id"]: r for r in _csv("places")}
    for r in _csv("presence"):  # every base in the record is inside a map fitted to them
        x, y = to_map.transform(
            float(coords[r["place_id"]]["longitude"]), float(coords[r["place_id"]]["latitude"])
        )
        assert fx0 < x < fx1 and fy0 < y < fy1, r["place_id"]
    assert not _gids(fitted, "outside")
    plt.close("all")


def test_an_empty_title_draws_none_and_small_multiples_take_given_axes(frames, cited):
    presence, places = frames
    ax = fpviz.plot_footprint(presence, places, on="2016-06-01", title="", **cited)
    assert ax.get_title(loc="left") == ""
    fig, grid = plt.subplots(1, 2)
    axes = fpviz.plot_footprints(presence, places, DATES[:2], ax=list(grid), title="", **cited)
    assert axes == list(grid) and axes[0].figure is fig
    for drawn, on in zip(axes, DATES[:2], strict=True):
        assert set(_gids(drawn, "base:")) == _held_ids(on)
    with pytest.raises(ValueError, match="ax: expected one Axes per date"):
        fpviz.plot_footprints(presence, places, DATES, ax=list(grid), **cited)
    plt.close("all")


def test_parameter_checks_are_one_line():
    with pytest.raises(ParameterError, match=r"^extent: expected one of sahel, west_central_africa") as err:
        check_footprint_params(["2020-01-01"], "europe", None)
    assert "\n" not in str(err.value)
    with pytest.raises(ParameterError, match="^dates: "):
        check_footprint_params(["2020-13-01"], "sahel", None)
    with pytest.raises(ParameterError, match="^dates: "):
        check_footprint_params("2020-01-01", "sahel", None)
    with pytest.raises(ParameterError, match="^title: "):
        check_footprint_params(["2020-01-01"], "sahel", 3)
    ok = check_footprint_params(["2021-01-01", dt.date(2014, 8, 1)], "sahel", None)
    assert ok["dates"] == [dt.date(2014, 8, 1), dt.date(2021, 1, 1)]


RUNS = {
    "defaults": {},
    "sahel": {"dates": ["2013-03-01", "2021-06-04"], "extent": "sahel", "title": "Two dates"},
    "bad-extent": {"extent": "europe"},
}


@pytest.fixture(scope="module")
def notebook_runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("fp")
    return out, run_variants(NOTEBOOK, RUNS, out)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["defaults", "sahel"])
def test_notebook_runs_with_parameters(notebook_runs, name):
    import nbformat

    out, errors = notebook_runs
    assert errors[name] is None, errors[name]
    nb = nbformat.read(out / f"{name}.ipynb", as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 3
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert any("<table" in h for h in html) and any("data:image/png;base64," in h for h in html)


@pytest.mark.slow
def test_notebook_stops_on_a_bad_extent_with_one_line(notebook_runs):
    _, errors = notebook_runs
    err = errors["bad-extent"]
    assert err is not None and err.ename == "ParameterError"
    assert "sahel, west_central_africa" in err.evalue and "\n" not in err.evalue


def test_notebook_is_committed_clean():
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert "parameters" in code[0].metadata.get("tags", [])
