"""plot_map on the real gazetteer and presence tables (no mocks), Agg backend."""

from __future__ import annotations

import itertools
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import oracle
import pandas as pd
import pytest

from sahel_analysis import select, tables
from sahel_analysis.geo import MALI_CRS, load_map_layers
from sahel_analysis.params import ParameterError, check_map_params
from sahel_analysis.select import DEFAULT_PLACES
from sahel_analysis.viz.placemap import plot_map

FRAMES = {"sources": tables.load_sources(), "layers": load_map_layers()}


def validate_map_params(*args, **kwargs):
    return check_map_params(*args, **kwargs, gazetteer=tables.load_places())


def _map(ids, as_of=None, **kwargs):
    """The map as the notebook draws it: the places asked for, and the presence table for the bases."""
    gazetteer = tables.load_places()
    marked = select.places_by_id(gazetteer, ids)
    return plot_map(marked, tables.load_presence(), gazetteer=gazetteer, as_of=as_of, **FRAMES, **kwargs)


def _gids(ax, prefix):
    return {a.get_gid()[len(prefix) :]: a for a in ax.findobj() if (a.get_gid() or "").startswith(prefix)}


def _drawn(ax):
    ax.figure.canvas.draw()
    return ax.figure.canvas.get_renderer()


@pytest.fixture(scope="module")
def gazetteer():
    return tables.load_places()


@pytest.fixture(scope="module")
def default_map():
    ax = _map(DEFAULT_PLACES)
    _drawn(ax)
    yield ax
    plt.close(ax.figure)


def _insets(ax):
    return {child.get_gid(): child for child in ax.child_axes}


def test_places_drawn_at_projected_coordinates(default_map, gazetteer):
    expected = gazetteer.set_index("id").to_crs(MALI_CRS).geometry
    markers = _gids(default_map, "place:")
    assert set(markers) == set(DEFAULT_PLACES)
    for pid, artist in markers.items():
        np.testing.assert_allclose(artist.get_offsets()[0], [expected[pid].x, expected[pid].y])
    # The map is in metres, not degrees: Timbuktu is ~100 km from the projection centre.
    assert abs(markers["timbuktu"].get_offsets()[0][0]) > 50_000


def _label_boxes(ax, renderer):
    texts = [t for t in ax.texts if (t.get_gid() or "").startswith(("label:", "area:"))]
    return {t.get_gid(): t.get_window_extent(renderer) for t in texts}


@pytest.mark.parametrize("where", ["main", "zoom-inset"])
def test_labels_do_not_overlap_each_other_or_points(default_map, where):
    ax = default_map if where == "main" else _insets(default_map)["zoom-inset"]
    renderer = _drawn(default_map)
    boxes = _label_boxes(ax, renderer)
    assert any(gid.startswith("label:") for gid in boxes)
    for (a, ba), (b, bb) in itertools.combinations(boxes.items(), 2):
        assert not ba.overlaps(bb), f"{a} overlaps {b}"
    points = [a for a in ax.collections if (a.get_gid() or "").startswith(("place:", "base:"))]
    for artist in points:
        x, y = ax.transData.transform(artist.get_offsets()[0])
        for gid, box in boxes.items():
            assert not box.contains(x, y), f"{gid} covers {artist.get_gid()}"


def test_close_places_get_an_inset(default_map):
    # Kati and Bamako are ~14 km apart: one shared label on the main map, separate in the inset.
    labels = {t.get_gid() for t in default_map.texts}
    assert "label:kati+bamako" in labels
    zoom = _insets(default_map)["zoom-inset"]
    assert {"label:kati", "label:bamako"} <= {t.get_gid() for t in zoom.texts}


def test_furniture_present(default_map):
    for gid in ("scale-bar", "north-arrow"):
        assert default_map.findobj(lambda a, g=gid: a.get_gid() == g), gid
    scale_text = [t.get_text() for t in default_map.texts if t.get_gid() == "scale-bar"]
    assert any(t.endswith(" km") for t in scale_text)
    assert "locator" in _insets(default_map)
    assert default_map.get_legend() is not None
    source = [t.get_text() for t in default_map.texts if t.get_gid() == "source-line"]
    assert len(source) == 1 and "Natural Earth" in source[0] and "Ménaka" in source[0]
    kidal = next(r for r in oracle.rows("places") if r["id"] == "kidal")
    assert oracle.publishers([kidal["source_id"]]).pop() in source[0].replace("\n", " ")


def _bases_drawn(ax):
    return set(_gids(ax, "base:"))


@pytest.mark.parametrize(("early", "late"), [("2013-03-01", "2020-06-01")])
def test_bases_follow_presence(early, late):
    counts = {}
    for when in (early, late):
        ax = _map(["gao", "timbuktu"], as_of=pd.Timestamp(when).date())
        on = oracle.day(when)
        expected = {
            r["place_id"]
            for r in oracle.rows("presence")
            if oracle.day(r["start_date"]) <= on and (not r["end_date"] or oracle.day(r["end_date"]) > on)
        }
        assert _bases_drawn(ax) == expected
        counts[when] = len(expected)
        plt.close(ax.figure)
    assert counts[early] != counts[late]


def test_toggles_and_explicit_extent():
    fig, ax = plt.subplots(figsize=(8, 6))
    gazetteer = tables.load_places()
    out = plot_map(
        select.places_by_id(gazetteer, ["niamey", "ndjamena"]),
        **FRAMES,
        ax=ax,
        regions=False,
        river=False,
        extent=[-6, 8, 24, 22],
        title="Niamey and N'Djamena",
    )
    assert out is ax
    assert not _bases_drawn(ax)
    assert ax.get_title(loc="left") == "Niamey and N'Djamena"
    x0, x1 = ax.get_xlim()
    assert x1 - x0 > 2_500_000  # 30 degrees of longitude at ~15 N, in metres
    plt.close(fig)


def test_validation_messages_are_one_line_and_list_what_is_allowed():
    with pytest.raises(ParameterError) as err:
        validate_map_params(["timbuktu", "atlantis"])
    msg = str(err.value)
    assert "\n" not in msg and "'atlantis'" in msg and "kidal" in msg
    with pytest.raises(ParameterError, match="paris"):
        validate_map_params(["paris"])  # in the gazetteer, outside the mapped region
    for bad in ([1, 2, 3], [10, 0, -10, 20], "west", [0, 0, "east", 10]):
        with pytest.raises(ParameterError, match=r"^extent: .*\[west, south, east, north\]"):
            validate_map_params(extent=bad)
    with pytest.raises(ParameterError, match="as_of"):
        validate_map_params(as_of="June 2021")
    with pytest.raises(ParameterError, match="show_river"):
        validate_map_params(show_river="no")


def test_validation_normalises():
    import datetime as dt

    kw = validate_map_params(None, dt.date(2021, 6, 1), (-12, 10, 5, 25))
    assert kw["places"] == list(DEFAULT_PLACES)
    assert kw["as_of"] == dt.date(2021, 6, 1)
    assert kw["extent"] == (-12.0, 10.0, 5.0, 25.0)
    assert validate_map_params(as_of="2013-01-11")["as_of"] == dt.date(2013, 1, 11)


NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "01_map.ipynb"
RUNS = {
    "defaults": {},
    "serval-2013": {
        "places": ["konna", "mopti", "sevare", "timbuktu", "gao"],
        "as_of": "2013-02-15",
        "title": "Serval, mid-February 2013",
    },
    "sahel-2020": {
        "places": ["niamey", "ndjamena", "gao"],
        "as_of": "2020-06-01",
        "extent": [-13, 8, 24, 24],
        "show_regions": False,
    },
    "bad-place": {"places": ["gao", "atlantis"]},
}


def test_a_map_composes_in_a_subplot_grid():
    # With a caller's Axes, the locator, zoom inset and legend stay inside the space it had.
    fig, (left, right) = plt.subplots(1, 2, figsize=(14, 5))
    box = right.get_window_extent().frozen()  # the space the caller gave, before the map shrinks
    ax = _map(DEFAULT_PLACES, ax=right)
    assert ax is right
    renderer = _drawn(ax)
    parts = [*ax.child_axes, ax.get_legend(), ax]
    for part in parts:
        extent = part.get_window_extent(renderer)
        assert box.x0 - 1 <= extent.x0 and extent.x1 <= box.x1 + 1, part
    assert {"locator", "zoom-inset"} <= set(_insets(ax))
    plt.close(fig)


def test_a_base_with_no_coordinates_is_refused():
    gazetteer = tables.load_places()
    presence = tables.load_presence()
    marked = select.places_by_id(gazetteer, ["gao"])
    with pytest.raises(ValueError, match=r"^no place .*'timbuktu'.* in the gazetteer; valid ids: gao$"):
        plot_map(
            marked, presence, **FRAMES
        )  # the bases' places are not in `marked`, and no gazetteer is given


@pytest.fixture(scope="module")
def notebook_runs(tmp_path_factory):
    """Run the notebook under papermill once per parameter set, in parallel kernels."""
    from concurrent.futures import ThreadPoolExecutor

    from sahel_analysis.report import NotebookFailed, execute

    out = tmp_path_factory.mktemp("nb")

    def run(name):
        try:
            execute(NOTEBOOK, out / f"{name}.ipynb", RUNS[name])
            return None
        except NotebookFailed as err:
            return err

    with ThreadPoolExecutor(len(RUNS)) as pool:
        errors = dict(zip(RUNS, pool.map(run, RUNS), strict=True))
    return out, errors


@pytest.mark.slow
@pytest.mark.parametrize("name", ["defaults", "serval-2013", "sahel-2020"])
def test_notebook_runs_with_parameters(notebook_runs, name):
    import nbformat

    out, errors = notebook_runs
    assert errors[name] is None, errors[name]
    nb = nbformat.read(out / f"{name}.ipynb", as_version=4)
    images = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if "image/png" in o.get("data", {})
    ]
    assert len(images) == 1


@pytest.mark.slow
def test_notebook_stops_on_unknown_place_with_one_line(notebook_runs):
    _, errors = notebook_runs
    err = errors["bad-place"]
    assert err is not None and err.ename == "ParameterError"
    assert "'atlantis'" in err.evalue and "allowed: " in err.evalue and "\n" not in err.evalue


def test_notebook_is_committed_clean():
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert "parameters" in code[0].metadata.get("tags", [])
