"""The base map every map draws on: boundary layers, frame, markers, scale bar, north arrow, locator.

Everything is drawn in :data:`sahel_analysis.geo.MALI_CRS`, an equal-area azimuthal projection
centred on Mali, so a scale bar is true to within about 1 % over the region. Layers are drawn as one
PathPatch each, which is what keeps a map under a second. The layers are the caller's
(:class:`sahel_analysis.geo.MapLayers`, from :func:`sahel_analysis.geo.load_map_layers`): nothing
here reads a file.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sahel_analysis import geo
from sahel_analysis.i18n import _, format_number
from sahel_analysis.textfmt import nice_number
from sahel_analysis.viz.style import PALETTE, low_confidence

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from sahel_analysis.geo import MapLayers

__all__ = [
    "add_locator",
    "add_north_arrow",
    "add_scale_bar",
    "add_shapes",
    "auto_extent",
    "draw_base_map",
    "draw_marker",
    "halo",
    "map_bounds",
    "project_box",
    "style_frame",
]

# Colours: Okabe-Ito where a colour carries meaning (river, bases); greys for the base map.
LAND = "#f0f0ee"
MALI_FILL = "#fdf7ea"
BORDER = "#9a9a9a"
MALI_EDGE = "#2b2b2b"
REGION_EDGE = "#a08c6a"
MUTED_TEXT = "#6e6e6e"

# Gid prefixes, so tests and callers can find what was drawn.
PLACE_GID, BASE_GID, LABEL_GID = "place:", "base:", "label:"


def project_box(extent: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """``(west, south, east, north)`` in degrees as bounds in MALI_CRS metres."""
    return geo.project_box(extent)


def auto_extent(
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


def map_bounds(
    ax: Axes,
    extent: Sequence[float] | None,
    points: list[tuple[float, float]],
    fallback: tuple[float, float, float, float],
) -> tuple[float, float, float, float]:
    """A map's limits in MALI_CRS metres: what ``extent`` means on every map.

    ``extent`` is ``(west, south, east, north)`` in degrees, projected. None fits the map to
    ``points`` (metres) with a margin, widened to the aspect of ``ax`` (``fallback`` if no points).
    """
    if extent is not None:
        return project_box(tuple(float(v) for v in extent))
    box = ax.get_position()
    fig = ax.figure
    aspect = (box.width * fig.get_figwidth()) / (box.height * fig.get_figheight())
    return auto_extent(points, aspect, fallback)


def halo(width: float = 2.5) -> list[Any]:
    from matplotlib import patheffects

    return [patheffects.withStroke(linewidth=width, foreground="white")]


def _scale_number(value: float) -> str:
    """A scale bar's length as the language writes it: 250, 1,000 or 1 000, 2.5 or 2,5."""
    return format_number(value, len(f"{value:g}".partition(".")[2]))


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
    length_km = nice_number(fraction * (x1 - x0) / 1000)
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
            _("{n} km").format(n=_scale_number(value)) if pos == 1 else _scale_number(value),
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
        path_effects=halo(),
    )
    for a in (arrow, letter):
        a.set_gid(gid)
    return [arrow, letter]


def add_locator(
    ax: Axes, layers: MapLayers, bounds: tuple[float, float, float, float], rect: Sequence[float]
) -> Axes:
    """A small map of Africa in an inset of ``ax`` at ``rect`` (axes fraction): Mali filled, ``bounds``
    (the main map's extent, MALI_CRS metres) outlined."""
    import geopandas as gpd
    import shapely

    crs = geo.LOCATOR_CRS
    inset = ax.inset_axes(rect)
    inset.set_gid("locator")
    _add_shapes(inset, layers.locator_land.geometry, facecolor="#d9d9d9", edgecolor="none")
    _add_shapes(inset, layers.locator_mali.geometry, facecolor=PALETTE["orange"], edgecolor="none")
    frame = gpd.GeoSeries([shapely.segmentize(shapely.box(*bounds), 20_000)], crs=geo.MALI_CRS)
    _add_shapes(inset, frame.to_crs(crs), facecolor="none", edgecolor=PALETTE["vermillion"], lw=1.0)
    africa = gpd.GeoSeries([shapely.segmentize(shapely.box(-19, -36, 53, 38), 1)], crs=4326)
    x0, y0, x1, y1 = africa.to_crs(crs).total_bounds
    inset.set_xlim(x0, x1)
    inset.set_ylim(y0, y1)
    inset.set_aspect("equal", adjustable="box")
    inset.set_anchor("W")  # left-align the right-hand column whatever its aspect
    style_frame(inset)
    inset.set_title(_("Location"), fontsize=8, loc="left", fontweight="normal", pad=2)
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


def add_shapes(ax: Axes, geoms: Iterable[Any], **style: Any) -> Any:
    """Draw shapely (multi)polygons or lines, in ``ax``'s coordinates, as one PathPatch with ``style``."""
    return _add_shapes(ax, geoms, **style)


def draw_base_map(ax: Axes, layers: MapLayers, *, regions: bool, river: bool) -> None:
    """Countries, Mali (filled), its regions and the Niger of ``layers`` on ``ax``, in MALI_CRS."""
    countries = layers.countries
    others = countries[countries["iso3"] != "MLI"].geometry
    mali = countries[countries["iso3"] == "MLI"].geometry
    _add_shapes(ax, others, facecolor=LAND, edgecolor=BORDER, lw=0.6, zorder=1)
    _add_shapes(ax, mali, facecolor=MALI_FILL, edgecolor="none", zorder=1)
    if regions:
        _add_shapes(
            ax,
            layers.regions.boundary,
            facecolor="none",
            edgecolor=REGION_EDGE,
            lw=0.6,
            ls="--",
            zorder=2,
        )
    _add_shapes(ax, mali, facecolor="none", edgecolor=MALI_EDGE, lw=1.3, zorder=3)
    if river:
        _add_shapes(
            ax,
            layers.river.geometry,
            facecolor="none",
            edgecolor=PALETTE["blue"],
            lw=1.3,
            zorder=4,
            capstyle="round",
            joinstyle="round",
        )


def style_frame(ax: Axes) -> None:
    """A map frame: no ticks, labels or grid, a thin grey border."""
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


def draw_marker(
    ax: Axes, xy: tuple[float, float], key: str, *, base: bool, place: bool, low: bool = False
) -> None:
    """A base square and/or a place dot at ``xy``, each its own artist with its id as gid.

    ``low``: the base rests only on low-confidence rows, and is drawn so (:func:`~sahel_analysis.viz.style.low_confidence`).
    """

    if base:
        square = ax.scatter(
            *xy,
            s=64,
            marker="s",
            facecolor=PALETTE["vermillion"],
            edgecolor="white",
            lw=0.8,
            zorder=5,
            gid=BASE_GID + key,
        )
        if low:
            low_confidence(square)
    if place:
        ax.scatter(*xy, s=24, color="black", edgecolor="white", lw=0.7, zorder=6, gid=PLACE_GID + key)
