"""Boundary layers (Natural Earth, committed under data/boundaries/), their projection, distances.

The layers are derived by ``scripts/derive_boundaries.py``; see
``data/boundaries/provenance.json`` for inputs, hashes, tolerance and licence. This module
reads only those committed files; :func:`load_map_layers` reads and projects the maps' layers
once, for the notebook to hand to every map. geopandas and pyproj are imported inside the
functions so that ``import sahel_analysis`` stays light.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sahel_analysis.errors import DataError, unreadable
from sahel_analysis.i18n import N_

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "BOUNDARIES_ATTRIBUTION",
    "LOCATOR_CRS",
    "MALI_CRS",
    "MapLayers",
    "boundaries_dir",
    "boundaries_provenance",
    "distance_km",
    "load_countries",
    "load_locator",
    "load_map_layers",
    "load_populated_places",
    "load_regions",
    "load_river",
    "geodesic_km",
    "mappable_places",
    "near",
    "project_box",
    "projected_xy",
]

CRS = "EPSG:4326"

# Lambert azimuthal equal-area centred on Mali: areas are true (regions compare fairly) and
# shapes and distances stay within a few per cent over Mali and its neighbours, which a
# single UTM zone (Mali spans zones 28-31) would not.
MALI_CRS = "+proj=laea +lat_0=17 +lon_0=-2 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"

BOUNDARIES_ATTRIBUTION = N_("Natural Earth (public domain)")  # shown with _()

_FILES = {
    "countries": "countries.geojson",
    "regions": "mali_regions.geojson",
    "river": "niger_river.geojson",
    "locator": "locator_land.geojson",
    "populated_places": "populated_places.geojson",
}


def boundaries_dir() -> Path:
    """Directory holding the committed boundary layers (``<data>/boundaries``).

    The data directory is ``sahel_analysis.paths.DATA_DIR`` (repo ``data/``, or the
    ``SAHEL_ANALYSIS_DATA`` environment variable), so the tables and the layers move together.
    """
    from sahel_analysis.paths import DATA_DIR

    return Path(DATA_DIR) / "boundaries"


@lru_cache(maxsize=8)
def _read(name: str, directory: str) -> gpd.GeoDataFrame:
    import geopandas as gpd

    path = Path(directory) / _FILES[name]
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing; run `python scripts/derive_boundaries.py` to re-derive it"
        )
    if (problem := unreadable(path, "a boundary layer, a GeoJSON file")) is not None:
        raise DataError([problem])  # a FIFO would block the reader; a folder would confuse it
    gdf = gpd.read_file(path, engine="pyogrio")
    # RFC 7946 GeoJSON carries no crs member; its coordinates are WGS84 by definition.
    return gdf.set_crs(CRS, allow_override=True)


def _load(name: str) -> gpd.GeoDataFrame:
    # Cached read, fresh copy per call so callers may mutate what they get.
    return _read(name, str(boundaries_dir())).copy()


def load_countries() -> gpd.GeoDataFrame:
    """Countries of the region, EPSG:4326.

    Columns: ``iso3``, ``iso_n3``, ``name``, ``role`` (``mali``, ``neighbour`` for Mali's
    seven neighbours, ``sahel`` for Chad, ``context`` for the surrounding countries that are
    there only so maps have no holes), ``geometry``. Mali is the union of its regions.
    """
    return _load("countries")


def load_regions() -> gpd.GeoDataFrame:
    """Mali's nine first-level regions as Natural Earth has them, EPSG:4326.

    Columns: ``id`` (slug), ``name`` (French), ``name_en``, ``iso_3166_2``, ``capital``,
    ``geometry``. Ménaka and Taoudénit (split off Gao and Tombouctou) are not separate.
    """
    return _load("regions")


def load_river() -> gpd.GeoDataFrame:
    """The Niger river as one (multi)line, EPSG:4326."""
    return _load("river")


def load_locator() -> gpd.GeoDataFrame:
    """Coarse (1:110m) land around Africa for locator insets, EPSG:4326."""
    return _load("locator")


def load_populated_places() -> gpd.GeoDataFrame:
    """Natural Earth's 1:10m populated places in the region and metropolitan France, EPSG:4326.

    Covers the countries of :func:`load_countries` (Natural Earth codes W. Sahara ``SAH``) and
    France. Columns: ``name``, ``nameascii``, ``adm0_a3``, ``adm1name``, ``latitude``,
    ``longitude`` (4 decimals; the point is built from them), ``geonameid`` (missing where
    Natural Earth has none), ``geometry``. The gazetteer's coordinates are checked against it.
    """
    places = _load("populated_places")
    places["geonameid"] = places["geonameid"].astype("Int64")
    return places


def boundaries_provenance() -> dict[str, Any]:
    """The provenance record written next to the layers (inputs, sha256, tolerance...)."""
    return json.loads((boundaries_dir() / "provenance.json").read_text(encoding="utf-8"))


# The locator inset's projection: Lambert equal-area centred on Africa.
LOCATOR_CRS = "+proj=laea +lat_0=5 +lon_0=18 +ellps=WGS84 +units=m +no_defs"


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: frames have no truth value
class MapLayers:
    """The boundary layers every map draws on, projected once: what a chart is given, never reads.

    ``countries``, ``regions`` and ``river`` are in :data:`MALI_CRS` (the maps' projection);
    ``locator_land`` and ``locator_mali`` (coarse land around Africa, and Mali) in
    :data:`LOCATOR_CRS`, for the locator inset. Shared by every chart that gets them: read only.
    """

    countries: gpd.GeoDataFrame
    regions: gpd.GeoDataFrame
    river: gpd.GeoDataFrame
    locator_land: gpd.GeoDataFrame
    locator_mali: gpd.GeoDataFrame

    @property
    def mali_bounds(self) -> tuple[float, float, float, float]:
        """Mali's ``(xmin, ymin, xmax, ymax)`` in :data:`MALI_CRS` metres."""
        return tuple(self.countries.query("iso3 == 'MLI'").total_bounds)


def load_map_layers() -> MapLayers:
    """The layers of :class:`MapLayers`, read and projected once per process and data folder.

    The notebook calls this and passes the result to its maps (``layers=``); the charts never read
    a layer themselves.
    """
    return _map_layers(str(boundaries_dir()))


@lru_cache(maxsize=4)
def _map_layers(directory: str) -> MapLayers:
    countries = _read("countries", directory)
    return MapLayers(
        countries=countries.to_crs(MALI_CRS),
        regions=_read("regions", directory).to_crs(MALI_CRS),
        river=_read("river", directory).to_crs(MALI_CRS),
        locator_land=_read("locator", directory).to_crs(LOCATOR_CRS),
        locator_mali=countries.query("iso3 == 'MLI'").to_crs(LOCATOR_CRS),
    )


def projected_xy(places: gpd.GeoDataFrame) -> dict[str, tuple[float, float]]:
    """Each gazetteer place's ``(x, y)`` in :data:`MALI_CRS` (metres), by id: where maps draw it."""
    points = places.to_crs(MALI_CRS)
    return {str(pid): (g.x, g.y) for pid, g in zip(places["id"], points.geometry, strict=True)}


def project_box(extent: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """``(west, south, east, north)`` in degrees as bounds in :data:`MALI_CRS` metres."""
    import geopandas as gpd
    import shapely

    # Densify first: a lon/lat box's edges are curves once projected.
    box = shapely.segmentize(shapely.box(*extent), 0.25)
    return tuple(gpd.GeoSeries([box], crs=CRS).to_crs(MALI_CRS).total_bounds)


@lru_cache(maxsize=1)
def _mapped_area() -> Any:
    import shapely

    # A little beyond the coasts, so a port or an island on the edge still counts.
    return shapely.union_all(load_countries().geometry.values).buffer(0.5)


def mappable_places(gazetteer: gpd.GeoDataFrame) -> list[str]:
    """Ids of the gazetteer places inside the countries the boundary layers cover.

    Places such as Paris or Pau are in the gazetteer (decisions were taken there) but lie
    outside the mapped region; a map stretched to include them would be mostly blank.
    """
    import shapely

    inside = shapely.within(gazetteer.geometry.values, _mapped_area())
    return sorted(gazetteer.loc[inside, "id"])


LatLon = tuple[float, float]


def _resolve(place: str | LatLon, places: Any) -> LatLon:
    if isinstance(place, str):
        if places is None:
            from sahel_analysis.tables import load_places

            places = load_places()
        from sahel_analysis.select import check_place_ids

        check_place_ids(places, [place])
        row = places[places["id"] == place].iloc[0]
        return float(row["latitude"]), float(row["longitude"])
    lat, lon = place
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"({lat}, {lon}) is not a (latitude, longitude) pair in degrees")
    return float(lat), float(lon)


def distance_km(a: str | LatLon, b: str | LatLon, *, places: Any = None) -> float:
    """Geodesic distance in km on the WGS84 ellipsoid between two places.

    ``a`` and ``b`` are gazetteer ids (looked up in ``places``, by default
    ``sahel_analysis.tables.load_places()``) or ``(latitude, longitude)`` pairs in degrees.
    Uses pyproj's Karney algorithm, accurate to nanometres, rather than a spherical
    great circle (which is off by up to ~0.5 %).
    """
    lat1, lon1 = _resolve(a, places)
    lat2, lon2 = _resolve(b, places)
    return float(geodesic_km(lat1, lon1, lat2, lon2))


def distance_text(a: str, b: str, *, places: Any) -> str:
    """The distance between two gazetteer places as a reader reads it: "Kati to Bamako: 13.1 km"."""
    from sahel_analysis.i18n import _, format_number, text_of

    rows = places.set_index("id")
    return _("{a} to {b}: {km} km").format(
        a=text_of(rows.loc[a], "name"),
        b=text_of(rows.loc[b], "name"),
        km=format_number(distance_km(a, b, places=places), 1),
    )


def geodesic_km(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> Any:
    """Geodesic distance in km on the WGS84 ellipsoid (pyproj, Karney); vectorised, scalars broadcast."""
    import numpy as np
    from pyproj import Geod

    lat1, lon1, lat2, lon2 = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (lat1, lon1, lat2, lon2))
    )
    _, _, metres = Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)
    return np.asarray(metres) / 1000.0


# A point on the circle counts as inside it, to the millimetre, so that float rounding does not
# move it out.
NEAR_TOLERANCE_KM = 1e-6


def near(latitude: float, longitude: float, lats: Any, lons: Any, radius_km: float) -> tuple[Any, Any]:
    """The one rule for "near": which points lie within ``radius_km`` of a centre, and how far each is.

    Returns ``(inside, km)``, two arrays over the points: the geodesic distance on the WGS84
    ellipsoid (:func:`geodesic_km`) and whether it is at most ``radius_km``, the circle included.
    """
    import numpy as np

    km = np.asarray(geodesic_km(latitude, longitude, lats, lons), dtype=float)
    return km <= radius_km + NEAR_TOLERANCE_KM, km


def border_distances_km(
    latitude: float, longitude: float, iso3: str, countries: gpd.GeoDataFrame
) -> dict[str, Any]:
    """From a point in country ``iso3``: km to Mali's border and to the nearest international border.

    ``countries``: the layer of :func:`load_countries`.
    Measured in an azimuthal equidistant projection centred on the point, where distances from
    the centre are true. The nearest international border is the part of the country's outline
    shared with a neighbour (coasts are not borders), within 2 km to absorb the layers'
    simplification. Returns ``mali_km``, ``border_km``, ``neighbour`` (the country across it) and
    ``neighbour_iso3``.
    """
    import shapely

    crs = f"+proj=aeqd +lat_0={latitude} +lon_0={longitude} +ellps=WGS84 +units=m +no_defs"
    countries = countries.to_crs(crs)
    here = shapely.Point(0, 0)
    own = countries[countries["iso3"] == iso3]
    if own.empty:
        raise ValueError(f"no country {iso3!r} in the boundary layers")
    outline = own.geometry.iloc[0].boundary
    best = (float("inf"), "", "")
    for row in countries[countries["iso3"] != iso3].itertuples():
        shared = outline.intersection(row.geometry.buffer(2_000))
        if not shared.is_empty:
            best = min(best, (here.distance(shared), str(row.name), str(row.iso3)))
    mali = countries[countries["iso3"] == "MLI"].geometry.iloc[0]
    mali_m = here.distance(mali.boundary) if iso3 == "MLI" else here.distance(mali)
    return {
        "mali_km": mali_m / 1000,
        "border_km": best[0] / 1000,
        "neighbour": best[1],
        "neighbour_iso3": best[2],
    }
