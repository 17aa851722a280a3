"""The place dossier: its map, the events near the place, distances, claims, parameters, the notebook.

Expectations come from the CSV files read with the csv module and a haversine written here, not
from the package's own loaders or distance functions.
"""

from __future__ import annotations

import csv
import itertools
import math
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
from conftest import run_variants

from sahel_analysis import briefing, dossier, geo, tables
from sahel_analysis.params import ParameterError, check_place_params
from sahel_analysis.viz.dossier import plot_place_map

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "08_place.ipynb"
DOSSIERS = ["timbuktu", "gao", "kidal", "kati"]


def _csv(name):
    with open(ROOT / "data" / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _haversine(lat1, lon1, lat2, lon2, radius=6371.0088):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(h))


@pytest.fixture(scope="module")
def gazetteer():
    return tables.load_places()


@pytest.fixture(scope="module")
def sources():
    return tables.load_sources()


def _map(place_id, gazetteer, as_of="2021-06-04"):
    centre = dossier.place_row(gazetteer, place_id)
    towns = dossier.towns_near(geo.load_populated_places(), centre)
    frames = {"sources": tables.load_sources(), "layers": geo.load_map_layers()}
    return plot_place_map(centre, gazetteer, tables.load_presence(), towns, as_of=as_of, **frames)


@pytest.mark.parametrize("place_id", DOSSIERS)
def test_the_map_is_centred_on_its_place(gazetteer, place_id):
    from pyproj import Transformer

    row = next(r for r in _csv("places") if r["id"] == place_id)
    to_map = Transformer.from_crs("EPSG:4326", geo.MALI_CRS, always_xy=True)
    x, y = to_map.transform(float(row["longitude"]), float(row["latitude"]))
    ax = _map(place_id, gazetteer)
    assert sum(ax.get_xlim()) / 2 == pytest.approx(x, abs=1)
    assert sum(ax.get_ylim()) / 2 == pytest.approx(y, abs=1)
    star = [a for a in ax.collections if a.get_gid() == f"place:{place_id}"]
    assert len(star) == 1 and list(star[0].get_offsets()[0]) == pytest.approx([x, y], abs=1)
    # The view spans about 660 km: the towns within 300 km are in it.
    assert ax.get_xlim()[1] - ax.get_xlim()[0] == pytest.approx(660_000, rel=0.01)
    assert "locator" in {c.get_gid() for c in ax.child_axes}
    assert any(a.get_gid() == "scale-bar" for a in ax.texts)
    plt.close(ax.figure)


@pytest.mark.parametrize("place_id", ["gao", "kati"])
def test_map_labels_do_not_overlap(gazetteer, place_id):
    ax = _map(place_id, gazetteer)
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    boxes = {
        t.get_gid(): t.get_window_extent(renderer)
        for t in ax.texts
        if (t.get_gid() or "").startswith(("label:", "area:"))
    }
    assert f"label:{place_id}" in boxes
    for (a, ba), (b, bb) in itertools.combinations(boxes.items(), 2):
        assert not ba.overlaps(bb), f"{a} overlaps {b}"
    points = [a for a in ax.collections if (a.get_gid() or "").startswith(("place:", "base:", "town:"))]
    for artist in points:
        x, y = ax.transData.transform(artist.get_offsets()[0])
        for gid, box in boxes.items():
            assert not box.contains(x, y), f"{gid} covers {artist.get_gid()}"
    plt.close(ax.figure)


@pytest.mark.parametrize(
    ("place_id", "radius"), [("gao", 100), ("kati", 100), ("timbuktu", 400), ("kidal", 250)]
)
def test_events_near_equal_a_filter_by_distance(gazetteer, sources, place_id, radius):
    # "Near" is geodesic on the ellipsoid; the sphere here is within 0.5 % of it, so an event
    # well inside (or outside) the radius on the sphere is inside (or outside) on the ellipsoid.
    coords = {r["id"]: (float(r["latitude"]), float(r["longitude"])) for r in _csv("places")}
    here = coords[place_id]
    sphere = {
        r["id"]: _haversine(*here, *coords[r["place_id"]]) for r in _csv("events") if r["place_id"] in coords
    }
    near = dossier.events_near(tables.load_events(), gazetteer, place_id, radius)
    assert {i for i, km in sphere.items() if km < radius * 0.995} <= set(near["id"])
    assert not {i for i, km in sphere.items() if km > radius * 1.005} & set(near["id"])
    assert (near["distance_km"] <= radius).all()
    for r in near.itertuples():
        assert r.distance_km == pytest.approx(sphere[r.id], rel=0.005, abs=0.01)
    table = dossier.near_table(near, gazetteer, sources=sources)
    assert len(table) == len(near)
    assert list(table["km away"]) == [f"{km:.0f}" for km in near["distance_km"]]


def test_presence_at_lists_the_rows_of_the_place(sources):
    table = dossier.presence_at(tables.load_presence(), "gao", sources=sources)
    rows = [r for r in _csv("presence") if r["place_id"] == "gao"]
    assert list(table["from"]) == sorted(r["start_date"] for r in rows)
    assert set(table["handed to"]) - {""} == {r["handed_to"] for r in rows if r["handed_to"]}


def test_distances(gazetteer):
    table = dossier.distances_table(
        "gao", gazetteer, tables.load_presence(), "2021-06-04", countries=geo.load_countries()
    )
    km = dict(zip(table["to"], table["km"], strict=True))
    coords = {r["id"]: (float(r["latitude"]), float(r["longitude"])) for r in _csv("places")}
    # Geodesic on the ellipsoid vs a sphere: within 0.5 %.
    assert km["Bamako"] == pytest.approx(_haversine(*coords["gao"], *coords["bamako"]), rel=0.006)
    nearest = next(k for k in km if k.startswith("nearest other French base"))
    held = {
        r["place_id"]
        for r in _csv("presence")
        if r["start_date"] <= "2021-06-04" and (not r["end_date"] or r["end_date"] > "2021-06-04")
    } - {"gao"}
    closest = min(held, key=lambda p: _haversine(*coords["gao"], *coords[p]))
    assert nearest.endswith(next(r["name_en"] for r in _csv("places") if r["id"] == closest))
    border = next(v for k, v in km.items() if k.startswith("nearest international border"))
    assert 0 < border <= km["Mali's border"] + 1


def test_claims_about_kati_include_the_distance_claim(gazetteer):
    centre = dossier.place_row(gazetteer, "kati")
    about = dossier.claims_about(briefing.load_claims(), tables.load_events(), centre)
    assert "kati-bamako-distance" in set(about["id"])
    nowhere = dossier.claims_about(
        briefing.load_claims(), tables.load_events(), dossier.place_row(gazetteer, "abeche")
    )
    assert len(nowhere) < len(about)


def test_unknown_place_ids_are_refused(gazetteer):
    with pytest.raises(ParameterError) as err:
        check_place_params("atlantis", None, 100, gazetteer=gazetteer, latest="2025-01-01")
    msg = str(err.value)
    assert msg.startswith("place: unknown id 'atlantis'; valid ids: ") and "\n" not in msg
    assert all(p in msg for p in DOSSIERS)
    with pytest.raises(ValueError, match="valid ids: "):
        dossier.place_row(gazetteer, "atlantis")
    with pytest.raises(ParameterError, match="^radius_km: "):
        check_place_params("gao", None, -5, gazetteer=gazetteer, latest="2025-01-01")
    with pytest.raises(ParameterError, match="^acled_path: no such file"):
        check_place_params(
            "gao", None, 50, acled_path="/nonexistent.csv", gazetteer=gazetteer, latest="2025-01-01"
        )


RUNS = {
    "defaults": {},
    "kati-2021": {"place": "kati", "as_of": "2021-06-04", "radius_km": 50},
    "niamey": {"place": "niamey", "radius_km": 300},
    "unknown": {"place": "atlantis"},
    "gao-acled": {
        "place": "gao",
        "radius_km": 300,
        "acled_path": str(ROOT / "tests" / "fixtures" / "events" / "acled_pre2023_hdx.csv"),
    },
}


@pytest.fixture(scope="module")
def notebook_runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("dossier")
    return out, run_variants(NOTEBOOK, RUNS, out)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["defaults", "kati-2021", "niamey"])
def test_notebook_runs_with_parameters(notebook_runs, name):
    import nbformat

    out, errors = notebook_runs
    assert errors[name] is None, errors[name]
    nb = nbformat.read(out / f"{name}.ipynb", as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 1
    text = " ".join(str(o.get("data", {})) for o in outputs)
    assert "No ACLED or UCDP file was given" in text


@pytest.mark.slow
def test_notebook_charts_conflict_events_when_a_file_is_given(notebook_runs):
    import nbformat

    out, errors = notebook_runs
    assert errors["gao-acled"] is None, errors["gao-acled"]
    nb = nbformat.read(out / "gao-acled.ipynb", as_version=4)
    last = [c for c in nb.cells if c.cell_type == "code"][-1]
    assert any("image/png" in o.get("data", {}) for o in last.outputs)
    assert "No ACLED or UCDP file" not in str(last.outputs)


@pytest.mark.slow
def test_notebook_refuses_an_unknown_place_with_one_line(notebook_runs):
    _, errors = notebook_runs
    err = errors["unknown"]
    assert err is not None and err.ename == "ParameterError"
    assert "'atlantis'" in err.evalue and "valid ids: " in err.evalue and "\n" not in err.evalue


def test_named_sets_exist_for_the_four_towns():
    sets = sorted(p.stem for p in (ROOT / "notebooks" / "params" / "08_place").glob("*.yaml"))
    assert sets == sorted(DOSSIERS)


def test_notebook_is_committed_clean():
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert "parameters" in code[0].metadata.get("tags", [])
