"""Briefing maps of Mali and the Sahel: places, French bases on a date, regions, the Niger.

``plot_map`` follows the house plotting API (``f(data, *, ax=None, ...) -> Axes``) and never
calls ``plt.show()``. Everything is drawn in :data:`sahel_analysis.geography.MALI_CRS`, an
equal-area azimuthal projection centred on Mali, so the scale bar is true to within about 1 %
over the region. ``validate_map_params`` is the check a notebook runs on its parameters.

Labels are placed greedily in display space: each candidate position is tried in turn and kept
only if its box is inside the axes and clear of every marker, label, the scale bar and the
north arrow already drawn. Places too close to tell apart at the map's scale (Bamako and Kati,
about 14 km) are drawn in a zoom inset and labelled once, together, on the main map.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sahel_analysis.params import ParameterError, check_bbox, check_bool, check_choices, check_date

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase
    from matplotlib.text import Annotation
    from matplotlib.transforms import Bbox

__all__ = [
    "DEFAULT_PLACES",
    "add_north_arrow",
    "add_scale_bar",
    "mappable_places",
    "plot_map",
    "validate_map_params",
]

DEFAULT_PLACES: tuple[str, ...] = ("timbuktu", "gao", "kidal", "kati", "bamako")

# Colours: Okabe-Ito where a colour carries meaning (river, bases); greys for the base map.
LAND = "#f0f0ee"
MALI_FILL = "#fdf7ea"
BORDER = "#9a9a9a"
MALI_EDGE = "#2b2b2b"
REGION_EDGE = "#a08c6a"
MUTED_TEXT = "#6e6e6e"

# Gid prefixes, so tests and callers can find what was drawn.
PLACE_GID, BASE_GID, LABEL_GID = "place:", "base:", "label:"

# Two places closer than this on screen (points) would have overlapping markers.
CLUSTER_PT = 12.0


# --------------------------------------------------------------------------- parameters


@lru_cache(maxsize=1)
def _mapped_area() -> Any:
    import shapely

    from sahel_analysis import geography as geo

    # A little beyond the coasts, so a port or an island on the edge still counts.
    return shapely.union_all(geo.load_countries().geometry.values).buffer(0.5)


def mappable_places(gazetteer: gpd.GeoDataFrame | None = None) -> list[str]:
    """Ids of the gazetteer places inside the countries the boundary layers cover.

    Places such as Paris or Pau are in the gazetteer (decisions were taken there) but lie
    outside the mapped region; a map stretched to include them would be mostly blank.
    """
    import shapely

    if gazetteer is None:
        from sahel_analysis.data import load_places

        gazetteer = load_places()
    inside = shapely.within(gazetteer.geometry.values, _mapped_area())
    return sorted(gazetteer.loc[inside, "id"])


def validate_map_params(
    places: Any = None,
    as_of: Any = None,
    extent: Any = None,
    *,
    show_regions: Any = True,
    show_river: Any = True,
    show_bases: Any = True,
    title: Any = None,
    gazetteer: gpd.GeoDataFrame | None = None,
) -> dict[str, Any]:
    """Check map parameters and return them as keyword arguments for :func:`plot_map`.

    Raises :class:`~sahel_analysis.params.ParameterError` with a one-line message listing what is allowed, for an
    unknown place id (or one outside the mapped region), a malformed extent, a date that does
    not parse, a non-boolean toggle or a title that is not text. ``gazetteer`` defaults to
    ``sahel_analysis.data.load_places()``.
    """
    allowed = mappable_places(gazetteer)
    if places is None:
        places = list(DEFAULT_PLACES)
    places = check_choices("places", places, allowed, optional=False)
    for name, value in {
        "show_regions": show_regions,
        "show_river": show_river,
        "show_bases": show_bases,
    }.items():
        check_bool(name, value)
    if title is not None and not isinstance(title, str):
        raise ParameterError(f"title: expected None (automatic) or a string, found {title!r}")
    return {
        "places": list(dict.fromkeys(places)),  # drop repeats, keep order
        "as_of": check_date("as_of", as_of),
        "extent": check_bbox("extent", extent),
        "regions": show_regions,
        "river": show_river,
        "bases": show_bases,
        "title": title,
    }


# --------------------------------------------------------------------------- layers


@lru_cache(maxsize=1)
def _layers() -> dict[str, gpd.GeoDataFrame]:
    from sahel_analysis import geography as geo

    crs = geo.MALI_CRS
    return {
        "countries": geo.load_countries().to_crs(crs),
        "regions": geo.load_regions().to_crs(crs),
        "river": geo.load_river().to_crs(crs),
    }


def _project_box(extent: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    import geopandas as gpd
    import shapely

    from sahel_analysis.geography import MALI_CRS

    # Densify first: a lon/lat box's edges are curves once projected.
    box = shapely.segmentize(shapely.box(*extent), 0.25)
    return tuple(gpd.GeoSeries([box], crs="EPSG:4326").to_crs(MALI_CRS).total_bounds)


def _auto_extent(
    xy: list[tuple[float, float]], aspect: float, fallback: tuple[float, float, float, float]
) -> tuple[float, float, float, float]:
    """Bounds around the points with a margin, widened to the axes' aspect (width/height)."""
    if xy:
        xs, ys = zip(*xy, strict=True)
        x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    else:
        x0, y0, x1, y1 = fallback
    # A margin of a tenth of the span, at least 120 km, leaves room for labels at the edges;
    # widening to the axes' aspect then usually adds more on two sides.
    pad = max(0.1 * max(x1 - x0, y1 - y0), 120_000.0)
    x0, x1, y0, y1 = x0 - pad, x1 + pad, y0 - pad, y1 + pad
    w, h = x1 - x0, y1 - y0
    if w / h < aspect:
        grow = (aspect * h - w) / 2
        x0, x1 = x0 - grow, x1 + grow
    else:
        grow = (w / aspect - h) / 2
        y0, y1 = y0 - grow, y1 + grow
    return x0, y0, x1, y1


# --------------------------------------------------------------------------- label placement

# (dx, dy) unit direction -> horizontal and vertical alignment of the text.
_DIRECTIONS = [
    ((1, 0), "left", "center"),
    ((0.75, 0.75), "left", "bottom"),
    ((0.75, -0.75), "left", "top"),
    ((-1, 0), "right", "center"),
    ((-0.75, 0.75), "right", "bottom"),
    ((-0.75, -0.75), "right", "top"),
    ((0, 1), "center", "bottom"),
    ((0, -1), "center", "top"),
]


@dataclass
class _Placer:
    """Greedy, collision-checked label placement on one Axes, in display coordinates."""

    ax: Axes
    renderer: RendererBase
    taken: list[Bbox]
    pad_px: float = 2.0

    def add_obstacle(self, bbox: Bbox) -> None:
        self.taken.append(bbox.padded(self.pad_px))

    def add_point(self, x: float, y: float, radius_pt: float) -> None:
        from matplotlib.transforms import Bbox

        px, py = self.ax.transData.transform((x, y))
        r = radius_pt * self.ax.figure.dpi / 72
        self.taken.append(Bbox.from_extents(px - r, py - r, px + r, py + r))

    def _fits(self, bbox: Bbox) -> bool:
        frame = self.ax.get_window_extent(self.renderer).padded(-self.pad_px)
        inside = bbox.x0 >= frame.x0 and bbox.x1 <= frame.x1 and bbox.y0 >= frame.y0 and bbox.y1 <= frame.y1
        return inside and not any(bbox.overlaps(t) for t in self.taken)

    def _within(self, bbox: Bbox, geom: Any) -> bool:
        import shapely

        (x0, y0), (x1, y1) = self.ax.transData.inverted().transform(bbox.get_points())
        return bool(geom.contains(shapely.box(x0, y0, x1, y1)))

    def place(
        self,
        xy: tuple[float, float],
        text: str,
        *,
        radii: Sequence[float] = (4.0, 8.0),
        leader_radii: Sequence[float] = (20.0, 32.0, 46.0),
        centred: bool = False,
        inside: Any = None,
        gid: str,
        **style: Any,
    ) -> Annotation | None:
        """Try positions around ``xy``; keep the first that collides with nothing.

        ``inside`` (a shapely geometry in data coordinates) must contain the whole label: an
        area's name pushed over a border would name the wrong country.
        """
        candidates: list[tuple[float, float, str, str, bool]] = []
        if centred:
            candidates.append((0.0, 0.0, "center", "center", False))
        for r in radii:
            candidates += [(dx * r, dy * r, ha, va, False) for (dx, dy), ha, va in _DIRECTIONS]
        for r in leader_radii:  # further out, joined to the point by a thin line
            candidates += [(dx * r, dy * r, ha, va, True) for (dx, dy), ha, va in _DIRECTIONS]
        for dx, dy, ha, va, leader in candidates:
            arrow = (
                {"arrowstyle": "-", "lw": 0.6, "color": "#444444", "shrinkA": 1, "shrinkB": 3}
                if leader
                else None
            )
            ann = self.ax.annotate(
                text,
                xy,
                xytext=(dx, dy),
                textcoords="offset points",
                ha=ha,
                va=va,
                arrowprops=arrow,
                annotation_clip=False,
                **style,
            )
            bbox = ann.get_window_extent(self.renderer).padded(self.pad_px)
            if self._fits(bbox) and (inside is None or self._within(bbox, inside)):
                ann.set_gid(gid)
                self.taken.append(bbox)
                return ann
            ann.remove()
        return None


def _halo(width: float = 2.5) -> list[Any]:
    from matplotlib import patheffects

    return [patheffects.withStroke(linewidth=width, foreground="white")]


# --------------------------------------------------------------------------- map furniture


def _nice_length(target_km: float) -> float:
    # 1, 2 and 5 steps: halves (0.5, 1, 2.5) stay short enough to print as tick labels.
    exp = 10 ** math.floor(math.log10(target_km))
    return max(m * exp for m in (1, 2, 5, 10) if m * exp <= target_km)


def add_scale_bar(
    ax: Axes,
    *,
    loc: tuple[float, float] = (0.04, 0.05),
    fraction: float = 0.2,
    fontsize: float = 7.5,
    gid: str = "scale-bar",
) -> list[Any]:
    """Draw a two-segment scale bar in km at ``loc`` (axes fraction); the Axes is in metres.

    Drawn in axes coordinates from the current x limits, so call it after setting them. The
    middle tick is labelled only when the bar is long enough on screen for three labels.
    """
    from matplotlib.patches import Rectangle
    from matplotlib.transforms import Bbox

    x0, x1 = ax.get_xlim()
    length_km = _nice_length(fraction * (x1 - x0) / 1000)
    frac = length_km * 1000 / (x1 - x0)
    left, bottom = loc
    height = 0.012
    style = {"transform": ax.transAxes, "zorder": 20, "gid": gid}
    bar = [
        Rectangle((left, bottom), frac / 2, height, facecolor="black", edgecolor="black", lw=0.6, **style),
        Rectangle(
            (left + frac / 2, bottom), frac / 2, height, facecolor="white", edgecolor="black", lw=0.6, **style
        ),
    ]
    for a in bar:
        ax.add_patch(a)
    bar_pt = frac * ax.get_window_extent().width * 72 / ax.figure.dpi
    ticks = [(0, 0.0), (1, length_km)]
    if bar_pt >= 100:
        ticks.insert(1, (0.5, length_km / 2))
    texts = [
        ax.text(
            left + pos * frac,
            bottom - 0.008,
            f"{value:g}" + (" km" if pos == 1 else ""),
            ha="center",
            va="top",
            fontsize=fontsize,
            **style,
        )
        for pos, value in ticks
    ]
    # White backing, sized to the bar and its labels, keeps it legible over borders and rivers.
    renderer = ax.figure.canvas.get_renderer()
    box = Bbox.union([a.get_window_extent(renderer) for a in [*bar, *texts]]).padded(4)
    (bx0, by0), (bx1, by1) = ax.transAxes.inverted().transform(box.get_points())
    backing = Rectangle(
        (bx0, by0), bx1 - bx0, by1 - by0, facecolor="white", edgecolor="none", alpha=0.8, **style
    )
    backing.set_zorder(19)
    ax.add_patch(backing)
    return [backing, *bar, *texts]


def add_north_arrow(
    ax: Axes,
    crs: Any,
    *,
    loc: tuple[float, float] = (0.95, 0.83),
    length: float = 0.07,
    gid: str = "north-arrow",
) -> list[Any]:
    """Draw an arrow pointing to true north at ``loc`` (axes fraction) for a projected ``crs``.

    In an azimuthal projection north is straight up only on the central meridian, so the
    arrow is turned to the local direction of the meridian.
    """
    from pyproj import Transformer

    to_geo = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    to_map = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    tail = ax.transLimits.inverted().transform(loc)
    lon, lat = to_geo.transform(*tail)
    nx, ny = to_map.transform(lon, lat + 0.5)
    # Direction of north in display space (axes are equal-aspect, so data angles hold).
    angle = math.atan2(ny - tail[1], nx - tail[0])
    bbox = ax.get_window_extent()
    dy = length * math.sin(angle)
    dx = length * math.cos(angle) * bbox.height / bbox.width
    tip = (loc[0] + dx, loc[1] + dy)
    arrow = ax.annotate(
        "",
        xy=tip,
        xytext=loc,
        xycoords="axes fraction",
        textcoords="axes fraction",
        arrowprops={"arrowstyle": "-|>,head_width=0.35,head_length=0.7", "lw": 1.4, "color": "black"},
        zorder=20,
    )
    letter = ax.annotate(
        "N",
        xy=tip,
        xycoords="axes fraction",
        xytext=(0, 3),
        textcoords="offset points",
        ha="center",
        va="bottom",
        fontsize=10,
        fontweight="bold",
        zorder=20,
        path_effects=_halo(),
    )
    for a in (arrow, letter):
        a.set_gid(gid)
    return [arrow, letter]


def _add_locator(ax: Axes, bounds: tuple[float, float, float, float], rect: Sequence[float]) -> Axes:
    """Small map of Africa with Mali filled and the main map's extent outlined."""
    import geopandas as gpd
    import shapely

    from sahel_analysis import geography as geo
    from sahel_analysis.style import PALETTE

    crs = "+proj=laea +lat_0=5 +lon_0=18 +ellps=WGS84 +units=m +no_defs"
    inset = ax.inset_axes(rect)
    inset.set_gid("locator")
    land = geo.load_locator().to_crs(crs)
    _add_shapes(inset, land.geometry, facecolor="#d9d9d9", edgecolor="none")
    mali = geo.load_countries().query("iso3 == 'MLI'").to_crs(crs)
    _add_shapes(inset, mali.geometry, facecolor=PALETTE["orange"], edgecolor="none")
    frame = gpd.GeoSeries([shapely.segmentize(shapely.box(*bounds), 20_000)], crs=geo.MALI_CRS)
    _add_shapes(inset, frame.to_crs(crs), facecolor="none", edgecolor=PALETTE["vermillion"], lw=1.0)
    africa = gpd.GeoSeries([shapely.segmentize(shapely.box(-19, -36, 53, 38), 1)], crs=4326)
    x0, y0, x1, y1 = africa.to_crs(crs).total_bounds
    inset.set_xlim(x0, x1)
    inset.set_ylim(y0, y1)
    inset.set_aspect("equal", adjustable="box")
    inset.set_anchor("W")  # left-align the right-hand column whatever its aspect
    _style_frame(inset)
    inset.set_title("Location", fontsize=8, loc="left", fontweight="normal", pad=2)
    return inset


def _path(geoms: Iterable[Any]) -> Any:
    """One matplotlib Path for many shapely (multi)polygons or (multi)lines."""
    import numpy as np
    import shapely
    from matplotlib.path import Path

    verts: list[Any] = []
    codes: list[Any] = []
    for geom in geoms:
        for part in getattr(geom, "geoms", [geom]):
            rings = [part.exterior, *part.interiors] if part.geom_type == "Polygon" else [part]
            for ring in rings:
                xy = shapely.get_coordinates(ring)
                c = np.full(len(xy), Path.LINETO, dtype=Path.code_type)
                c[0] = Path.MOVETO
                if part.geom_type == "Polygon":
                    c[-1] = Path.CLOSEPOLY
                verts.append(xy)
                codes.append(c)
    if not verts:
        return Path(np.empty((0, 2)))
    return Path(np.concatenate(verts), np.concatenate(codes))


def _add_shapes(ax: Axes, geoms: Iterable[Any], **style: Any) -> Any:
    # A single PathPatch per layer, rather than GeoDataFrame.plot (which redraws the whole
    # figure after each call), added with add_artist rather than add_patch (which walks every
    # Bezier segment to update data limits; we set the limits ourselves). Seconds -> ~0.1 s.
    from matplotlib.patches import PathPatch

    patch = PathPatch(_path(geoms), **style)
    ax.add_artist(patch)
    return patch


def _draw_base_map(ax: Axes, *, regions: bool, river: bool) -> None:
    from sahel_analysis.style import PALETTE

    layers = _layers()
    countries = layers["countries"]
    others = countries[countries["iso3"] != "MLI"].geometry
    mali = countries[countries["iso3"] == "MLI"].geometry
    _add_shapes(ax, others, facecolor=LAND, edgecolor=BORDER, lw=0.6, zorder=1)
    _add_shapes(ax, mali, facecolor=MALI_FILL, edgecolor="none", zorder=1)
    if regions:
        _add_shapes(
            ax, layers["regions"].boundary, facecolor="none", edgecolor=REGION_EDGE, lw=0.6, ls="--", zorder=2
        )
    _add_shapes(ax, mali, facecolor="none", edgecolor=MALI_EDGE, lw=1.3, zorder=3)
    if river:
        _add_shapes(
            ax,
            layers["river"].geometry,
            facecolor="none",
            edgecolor=PALETTE["blue"],
            lw=1.3,
            zorder=4,
            capstyle="round",
            joinstyle="round",
        )


def _style_frame(ax: Axes) -> None:
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    ax.set_facecolor("white")
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_linewidth(0.8)
        spine.set_color("#555555")


def _clusters(points: dict[str, tuple[float, float]], ax: Axes) -> list[list[str]]:
    """Groups of places whose markers would touch at this Axes' scale (single linkage)."""
    limit = CLUSTER_PT * ax.figure.dpi / 72
    disp = {k: ax.transData.transform(v) for k, v in points.items()}
    groups: list[set[str]] = []
    for k in disp:
        near = [g for g in groups if any(math.dist(disp[k], disp[o]) < limit for o in g)]
        merged = {k}.union(*near)
        groups = [g for g in groups if g not in near] + [merged]
    return [sorted(g, key=list(points).index) for g in groups if len(g) > 1]


def _label_river(placer: _Placer, bounds: tuple[float, float, float, float]) -> None:
    import shapely

    from sahel_analysis.style import PALETTE

    line = shapely.union_all(_layers()["river"].geometry.values)
    visible = shapely.line_merge(line.intersection(shapely.box(*bounds)))
    parts = sorted(getattr(visible, "geoms", [visible]), key=lambda g: -g.length)
    ax = placer.ax
    for part in parts[:2]:
        for frac in (0.5, 0.35, 0.65, 0.2, 0.8):
            p = part.interpolate(frac, normalized=True)
            a = part.interpolate(max(frac - 0.03, 0), normalized=True)
            b = part.interpolate(min(frac + 0.03, 1), normalized=True)
            (ax_, ay), (bx, by) = ax.transData.transform([(a.x, a.y), (b.x, b.y)])
            angle = math.degrees(math.atan2(by - ay, bx - ax_))
            if angle > 90:
                angle -= 180
            elif angle < -90:
                angle += 180
            ann = placer.place(
                (p.x, p.y),
                "Niger",
                radii=(6.0,),
                leader_radii=(),
                gid=LABEL_GID + "river",
                fontsize=8,
                style="italic",
                color=PALETTE["blue"],
                rotation=angle,
                rotation_mode="anchor",
                path_effects=_halo(2),
                zorder=8,
            )
            if ann is not None:
                return


def _label_areas(placer: _Placer, bounds: tuple[float, float, float, float], regions: bool) -> None:
    """Region names (inside Mali) and neighbouring country names where there is room."""
    import shapely
    from shapely.ops import polylabel

    box = shapely.box(*bounds)
    map_area = box.area
    layers = _layers()
    items: list[tuple[Any, str, dict[str, Any], float]] = []
    if regions:
        for row in layers["regions"].itertuples():
            if row.id == "bamako":  # too small at this scale; it is in the inset if needed
                continue
            items.append(
                (
                    row.geometry,
                    row.name.upper(),
                    {"fontsize": 7, "style": "italic", "color": "#8a7650"},
                    0.004,
                )
            )
    for row in layers["countries"].itertuples():
        if row.iso3 == "MLI":
            continue
        items.append((row.geometry, row.name.upper(), {"fontsize": 8, "color": MUTED_TEXT}, 0.01))
    # Skip areas too small in view to hold a name (a share of the map's area); the placer
    # then drops any name that does not fit wholly inside its area.
    for geom, text, style, min_share in items:
        seen = geom.intersection(box)
        if seen.is_empty or seen.area < min_share * map_area:
            continue
        biggest = max(getattr(seen, "geoms", [seen]), key=lambda g: g.area)
        spot = polylabel(biggest, tolerance=5_000)
        placer.place(
            (spot.x, spot.y),
            text,
            centred=True,
            radii=(14.0, 28.0),
            leader_radii=(),
            inside=seen,
            gid="area:" + text.lower(),
            path_effects=_halo(2),
            zorder=7,
            **style,
        )


# --------------------------------------------------------------------------- the map


def _bases(as_of: dt.date | None, show: bool) -> pd.DataFrame:
    from sahel_analysis import data

    if not show:
        import pandas as pd

        return pd.DataFrame(columns=["place_id", "source_id", "other_source_ids"])
    if as_of is None:
        return data.load_presence()  # every base ever held in the data
    return data.bases_held(data.load_presence(as_of=as_of), as_of)


def _join(names: Sequence[str], last: str = " and ") -> str:
    """'A', 'A and B', 'A, B and C'."""
    return last.join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


def _held_text(when: dt.date | None, held: pd.DataFrame) -> str:
    if when is not None:
        return f"held on {when.day} {when:%B %Y}"
    if held.empty:
        return "(none in the data)"
    first = held["start_date"].min().year
    last = "today" if held["end_date"].isna().any() else str(held["end_date"].max().year)
    return f"held at some time, {first}-{last}"


def plot_map(
    places: Sequence[str] | None = None,
    *,
    as_of: str | dt.date | None = None,
    ax: Axes | None = None,
    regions: bool = True,
    river: bool = True,
    bases: bool = True,
    extent: Sequence[float] | None = None,
    title: str | None = None,
) -> Axes:
    """Map places from the gazetteer on Natural Earth boundaries, with French bases.

    Parameters
    ----------
    places
        Gazetteer ids to mark and label; default :data:`DEFAULT_PLACES` (Timbuktu, Gao,
        Kidal, Kati, Bamako).
    as_of
        Date (``'YYYY-MM-DD'`` or a date); the French bases held on that day are drawn, as
        the ``presence`` table says. ``None`` draws every base held at any time in the data.
    ax
        Axes to draw on (a new figure if None). The locator, legend and any zoom inset go in
        a column to the right of it.
    regions, river, bases
        Draw Mali's regions (with names), the Niger, the French bases.
    extent
        ``[west, south, east, north]`` in degrees; by default the places with a margin.
    title
        Title; by default the places' names.

    Returns the main Axes, in :data:`sahel_analysis.geography.MALI_CRS` metres. Gids mark
    what was drawn: ``place:<id>``, ``base:<id>``, ``label:<id>``, ``scale-bar``,
    ``north-arrow``, ``locator``, ``zoom-inset``, ``source-line``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Rectangle

    from sahel_analysis import data
    from sahel_analysis import geography as geo
    from sahel_analysis.style import PALETTE, add_source_line, house_style

    gazetteer = data.load_places()
    params = validate_map_params(
        places,
        as_of,
        extent,
        show_regions=regions,
        show_river=river,
        show_bases=bases,
        title=title,
        gazetteer=gazetteer,
    )
    ids, when = params["places"], params["as_of"]
    projected = gazetteer.to_crs(geo.MALI_CRS).set_index("id")
    xy = {i: (projected.geometry[i].x, projected.geometry[i].y) for i in projected.index}
    held = _bases(when, bases)
    base_ids = list(dict.fromkeys(held["place_id"]))

    with house_style():
        if ax is None:
            fig = plt.figure(figsize=(10.5, 6.6))
            ax = fig.add_axes((0.02, 0.1, 0.68, 0.8))
        fig = ax.figure
        _draw_base_map(ax, regions=regions, river=river)
        _style_frame(ax)

        bbox = ax.get_position()
        aspect = (bbox.width * fig.get_figwidth()) / (bbox.height * fig.get_figheight())
        if params["extent"] is not None:
            bounds = _project_box(params["extent"])
        else:
            mali = tuple(_layers()["countries"].query("iso3 == 'MLI'").total_bounds)
            points = [xy[i] for i in ids]
            # When every place is in Mali, show the whole country: a Mali cut off at the top
            # reads as a cropping mistake, and the empty north is part of the story.
            in_mali = gazetteer.set_index("id").loc[ids, "country_iso3"].eq("MLI")
            if ids and in_mali.all():
                points += [(mali[0], mali[1]), (mali[2], mali[3])]
            bounds = _auto_extent(points, aspect, mali)
        ax.set_xlim(bounds[0], bounds[2])
        ax.set_ylim(bounds[1], bounds[3])
        ax.set_aspect("equal", adjustable="box")
        ax.apply_aspect()
        x0, x1 = ax.get_xlim()
        y0, y1 = ax.get_ylim()

        def in_view(i: str) -> bool:
            return x0 <= xy[i][0] <= x1 and y0 <= xy[i][1] <= y1

        # Markers: bases (squares) under places (dots); each its own artist, gid = its id.
        for i in [*base_ids, *(i for i in ids if i not in base_ids)]:
            _draw_marker(ax, xy[i], i, base=i in base_ids, place=i in ids)

        renderer = fig.canvas.get_renderer()
        placer = _Placer(ax, renderer, [])
        furniture = [*add_scale_bar(ax), *add_north_arrow(ax, geo.MALI_CRS)]
        for artist in furniture:
            placer.add_obstacle(artist.get_window_extent(renderer))
        marked = [i for i in dict.fromkeys([*ids, *base_ids]) if in_view(i)]
        for i in marked:
            placer.add_point(*xy[i], radius_pt=5.5 if i in base_ids else 3.5)

        # Places too close to separate get one shared label and a zoom inset.
        groups = _clusters({i: xy[i] for i in marked}, ax)
        zoom = groups[0] if groups else None
        names = gazetteer.set_index("id")["name_en"]
        for group in groups:
            gx = sum(xy[i][0] for i in group) / len(group)
            gy = sum(xy[i][1] for i in group) / len(group)
            text = _join([names[i] for i in group], " & ") + (" (inset)" if group is zoom else "")
            placer.place(
                (gx, gy),
                text,
                gid=LABEL_GID + "+".join(group),
                fontsize=9,
                fontweight="bold",
                path_effects=_halo(),
                zorder=9,
            )
        grouped = {i for g in groups for i in g}
        for i in marked:
            if i in grouped:
                continue
            is_place = i in ids
            placer.place(
                xy[i],
                names[i],
                gid=LABEL_GID + i,
                fontsize=9 if is_place else 7.5,
                fontweight="bold" if is_place else "normal",
                color="black" if is_place else "#7a2e00",
                path_effects=_halo(),
                zorder=9,
            )
        if river:
            _label_river(placer, (x0, y0, x1, y1))
        _label_areas(placer, (x0, y0, x1, y1), regions)

        # Right-hand column: locator on top, legend at the bottom, zoom inset in between
        # (the legend's height depends on its text, so it is measured first).
        _add_locator(ax, (x0, y0, x1, y1), (1.025, 0.68, 0.33, 0.32))
        handles: list[Any] = [
            Line2D([], [], marker="o", ls="", color="black", mec="white", ms=5.5, label="Place"),
        ]
        if bases:
            outside = sum(not in_view(i) for i in base_ids)
            count = f"{len(base_ids)}" + (f", {outside} outside the map" if outside else "")
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="s",
                    ls="",
                    color=PALETTE["vermillion"],
                    mec="white",
                    ms=7.5,
                    label=f"French base {_held_text(when, held)}\n({count})",
                )
            )
        if river:
            handles.append(Line2D([], [], color=PALETTE["blue"], lw=1.3, label="River Niger"))
        handles.append(Patch(facecolor=MALI_FILL, edgecolor=MALI_EDGE, lw=1.0, label="Mali"))
        if regions:
            handles.append(
                Line2D([], [], color=REGION_EDGE, lw=0.8, ls="--", label="Region border (pre-2016)")
            )
        handles.append(Line2D([], [], color=BORDER, lw=0.8, label="International border"))
        legend = ax.legend(
            handles=handles,
            loc="lower left",
            bbox_to_anchor=(1.02, 0.0),
            fontsize=8,
            frameon=False,
            borderaxespad=0.0,
            handlelength=1.6,
            labelspacing=0.6,
        )
        if zoom is not None:
            frame = ax.get_window_extent(renderer)
            top = legend.get_window_extent(renderer).y1
            bottom = (top - frame.y0) / frame.height + 0.03
            height = 0.68 - 0.06 - bottom  # leave room for the inset's title
            inset = _zoom_inset(
                ax, zoom, xy, names, ids, base_ids, regions, river, (1.025, bottom, 0.33, height)
            )
            ix0, ix1 = inset.get_xlim()
            iy0, iy1 = inset.get_ylim()
            ax.add_patch(
                Rectangle(
                    (ix0, iy0),
                    ix1 - ix0,
                    iy1 - iy0,
                    facecolor="none",
                    edgecolor="black",
                    lw=0.8,
                    zorder=7,
                    gid="zoom-box",
                )
            )

        if params["title"] is not None:
            ax.set_title(params["title"], loc="left")
        else:
            shown = [names[i] for i in ids]
            text = _join(shown)
            ax.set_title(text or "Mali and its neighbours", loc="left")

        drawn = gazetteer[gazetteer["id"].isin(set(ids) | set(base_ids))]
        cited = data.source_line(drawn, held, limit=5)
        add_source_line(
            ax,
            "boundaries, Natural Earth (public domain); Mali's nine regions as before 2016 "
            "(Ménaka and Taoudénit, created since, are shown within Gao and Tombouctou). "
            f"Places and bases: {cited}.",
            prefix="Sources: ",
        )
    return ax


def _draw_marker(ax: Axes, xy: tuple[float, float], key: str, *, base: bool, place: bool) -> None:
    """A base square and/or a place dot at ``xy``, each its own artist with its id as gid."""
    from sahel_analysis.style import PALETTE

    if base:
        ax.scatter(
            *xy,
            s=64,
            marker="s",
            facecolor=PALETTE["vermillion"],
            edgecolor="white",
            lw=0.8,
            zorder=5,
            gid=BASE_GID + key,
        )
    if place:
        ax.scatter(*xy, s=24, color="black", edgecolor="white", lw=0.7, zorder=6, gid=PLACE_GID + key)


def _zoom_inset(
    ax: Axes,
    group: list[str],
    xy: dict[str, tuple[float, float]],
    names: pd.Series,
    ids: list[str],
    base_ids: list[str],
    regions: bool,
    river: bool,
    rect: Sequence[float],
) -> Axes:
    """A zoom on places too close together for the main map's scale, with its own labels."""

    inset = ax.inset_axes(rect)
    inset.set_gid("zoom-inset")
    _draw_base_map(inset, regions=regions, river=river)
    _style_frame(inset)
    xs = [xy[i][0] for i in group]
    ys = [xy[i][1] for i in group]
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    # Square view: the group's span plus room for labels, at least 40 km across.
    half = max(max(xs) - min(xs), max(ys) - min(ys), 10_000) * 1.4 + 10_000
    half = max(half, 20_000)
    inset.set_xlim(cx - half, cx + half)
    inset.set_ylim(cy - half, cy + half)
    inset.set_aspect("equal", adjustable="box")
    inset.set_anchor("W")  # left-align the right-hand column whatever its aspect
    inset.apply_aspect()
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    placer = _Placer(inset, renderer, [])
    for artist in add_scale_bar(inset, loc=(0.06, 0.08), fraction=0.3, fontsize=6.5):
        placer.add_obstacle(artist.get_window_extent(renderer))
    x0, x1 = inset.get_xlim()
    y0, y1 = inset.get_ylim()
    visible = [i for i in xy if x0 <= xy[i][0] <= x1 and y0 <= xy[i][1] <= y1]
    shown = [i for i in visible if i in ids or i in base_ids]
    for i in shown:
        _draw_marker(inset, xy[i], i, base=i in base_ids, place=i in ids)
        placer.add_point(*xy[i], radius_pt=5.5 if i in base_ids else 3.5)
    for i in shown:
        placer.place(
            xy[i],
            names[i],
            gid=LABEL_GID + i,
            fontsize=8.5,
            fontweight="bold" if i in ids else "normal",
            path_effects=_halo(),
            zorder=9,
        )
    if river:
        _label_river(placer, (x0, y0, x1, y1))
    title = _join([names[i] for i in group])
    inset.set_title(f"Inset: {title}", fontsize=8, loc="left", fontweight="normal", pad=2)
    return inset
