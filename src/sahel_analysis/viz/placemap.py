"""The map of places and French bases: ``plot_map``.

Labels are placed greedily in display space (:class:`~sahel_analysis.viz.layout.LabelPlacer`): each
candidate position is tried in turn and kept only if its box is inside the axes and clear of every
marker, label, the scale bar and the north arrow already drawn. Places too close to tell apart at
the map's scale (Bamako and Kati, about 14 km) are drawn in a zoom inset and labelled once,
together, on the main map. The locator, the zoom inset and the legend are insets of the map's own
Axes, so a map composes in a subplot grid. The boundary layers and the sources table are the
caller's: the map reads no file.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sahel_analysis import citation, geo, select
from sahel_analysis.i18n import _, country_name, format_date, format_number, ngettext, text_column
from sahel_analysis.textfmt import join_names
from sahel_analysis.viz.basemap import (
    BORDER,
    LABEL_GID,
    MALI_EDGE,
    MALI_FILL,
    MUTED_TEXT,
    REGION_EDGE,
    add_locator,
    add_north_arrow,
    add_scale_bar,
    draw_base_map,
    draw_marker,
    halo,
    map_bounds,
    style_frame,
)
from sahel_analysis.viz.export import describe
from sahel_analysis.viz.layout import LabelPlacer
from sahel_analysis.viz.style import (
    PALETTE,
    add_source_line,
    house_style,
    low_confidence_handle,
    new_axes,
)

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from matplotlib.axes import Axes

    from sahel_analysis.geo import MapLayers

__all__ = ["plot_map"]

# Two places closer than this on screen (points) would have overlapping markers.
CLUSTER_PT = 12.0

XY = dict[str, tuple[float, float]]


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


def _label_river(
    placer: LabelPlacer, river: gpd.GeoDataFrame, bounds: tuple[float, float, float, float]
) -> None:
    import shapely

    line = shapely.union_all(river.geometry.values)
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
                path_effects=halo(2),
                zorder=8,
            )
            if ann is not None:
                return


def _label_areas(
    placer: LabelPlacer, layers: MapLayers, bounds: tuple[float, float, float, float], regions: bool
) -> None:
    """Region names (inside Mali) and neighbouring country names where there is room."""
    import shapely
    from shapely.ops import polylabel

    box = shapely.box(*bounds)
    map_area = box.area
    items: list[tuple[Any, str, dict[str, Any], float]] = []
    if regions:
        for row in layers.regions.itertuples():
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
    for row in layers.countries.itertuples():
        if row.iso3 == "MLI":
            continue
        name = country_name(row.iso3, row.name)
        items.append((row.geometry, name.upper(), {"fontsize": 8, "color": MUTED_TEXT}, 0.01))
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
            path_effects=halo(2),
            zorder=7,
            **style,
        )


def _zoom_inset(
    ax: Axes,
    group: list[str],
    xy: dict[str, tuple[float, float]],
    names: pd.Series,
    *,
    layers: MapLayers,
    ids: list[str],
    base_ids: list[str],
    low_ids: set[str],
    regions: bool,
    river: bool,
    rect: Sequence[float],
) -> Axes:
    """A zoom on places too close together for the main map's scale, with its own labels."""

    inset = ax.inset_axes(rect)
    inset.set_gid("zoom-inset")
    draw_base_map(inset, layers, regions=regions, river=river)
    style_frame(inset)
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
    placer = LabelPlacer(inset, fig.canvas.get_renderer())
    placer.avoid(*add_scale_bar(inset, loc=(0.06, 0.08), fraction=0.3, fontsize=6.5))
    x0, x1 = inset.get_xlim()
    y0, y1 = inset.get_ylim()
    visible = [i for i in xy if x0 <= xy[i][0] <= x1 and y0 <= xy[i][1] <= y1]
    shown = [i for i in visible if i in ids or i in base_ids]
    for i in shown:
        draw_marker(inset, xy[i], i, base=i in base_ids, place=i in ids, low=i in low_ids)
        placer.add_point(*xy[i], radius_pt=5.5 if i in base_ids else 3.5)
    for i in shown:
        placer.place(
            xy[i],
            names[i],
            gid=LABEL_GID + i,
            fontsize=8.5,
            fontweight="bold" if i in ids else "normal",
            path_effects=halo(),
            zorder=9,
        )
    if river:
        _label_river(placer, layers.river, (x0, y0, x1, y1))
    title = _("Inset: {places}").format(places=join_names([names[i] for i in group]))
    inset.set_title(title, fontsize=8, loc="left", fontweight="normal", pad=2)
    return inset


def _base_text(when: pd.Timestamp | None, held: pd.DataFrame, count: int, outside: int) -> str:
    """The legend's entry for the bases: which were drawn, and how many (outside the map too)."""
    if when is not None:
        kind = _("French base held on {date}").format(date=format_date(when))
    elif held.empty:
        kind = _("French base (none in the data)")
    elif held["end_date"].isna().any():
        kind = _("French base held at some time, {first}-today").format(first=held["start_date"].min().year)
    else:
        kind = _("French base held at some time, {first}-{last}").format(
            first=held["start_date"].min().year, last=held["end_date"].max().year
        )
    n = format_number(count)
    counted = _("({n}, {outside} outside the map)").format(n=n, outside=format_number(outside))
    return f"{kind}\n{counted if outside else f'({n})'}"


def _bounds(
    ax: Axes, xy: XY, ids: list[str], all_in_mali: bool, extent: Sequence[float] | None, layers: MapLayers
) -> tuple[float, float, float, float]:
    """The map's limits in metres: ``extent`` projected, else the places with a margin."""
    mali = layers.mali_bounds
    points = [xy[i] for i in ids]
    # When every place is in Mali, show the whole country: a Mali cut off at the top reads as a
    # cropping mistake, and the empty north is part of the story.
    if ids and all_in_mali:
        points += [(mali[0], mali[1]), (mali[2], mali[3])]
    return map_bounds(ax, extent, points, mali)


def _label_points(
    placer: LabelPlacer, xy: XY, names: pd.Series, marked: list[str], ids: list[str], base_ids: list[str]
) -> list[str] | None:
    """Label the marked points; places too close to separate share a label. Returns the zoom group."""
    groups = _clusters({i: xy[i] for i in marked}, placer.ax)
    zoom = groups[0] if groups else None
    for group in groups:
        gx = sum(xy[i][0] for i in group) / len(group)
        gy = sum(xy[i][1] for i in group) / len(group)
        text = join_names([names[i] for i in group], " & ")
        text = _("{places} (inset)").format(places=text) if group is zoom else text
        placer.place(
            (gx, gy),
            text,
            gid=LABEL_GID + "+".join(group),
            fontsize=9,
            fontweight="bold",
            path_effects=halo(),
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
            path_effects=halo(),
            zorder=9,
        )
    return zoom


def _legend(ax: Axes, *, base_text: str | None, river: bool, regions: bool, low: bool = False) -> Any:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = [
        Line2D([], [], marker="o", ls="", color="black", mec="white", ms=5.5, label=_("Place")),
    ]
    if base_text is not None:
        handles.append(
            Line2D(
                [], [], marker="s", ls="", color=PALETTE["vermillion"], mec="white", ms=7.5, label=base_text
            )
        )
    if low:
        handles.append(low_confidence_handle("marker", width=30))
    if river:
        handles.append(Line2D([], [], color=PALETTE["blue"], lw=1.3, label=_("River Niger")))
    handles.append(Patch(facecolor=MALI_FILL, edgecolor=MALI_EDGE, lw=1.0, label=country_name("MLI", "Mali")))
    if regions:
        handles.append(
            Line2D([], [], color=REGION_EDGE, lw=0.8, ls="--", label=_("Region border (pre-2016)"))
        )
    handles.append(Line2D([], [], color=BORDER, lw=0.8, label=_("International border")))
    return ax.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(1.02, 0.0),
        fontsize=8,
        frameon=False,
        borderaxespad=0.0,
        handlelength=1.6,
        labelspacing=0.6,
    )


def _add_zoom(ax: Axes, legend: Any, zoom: list[str], xy: XY, names: pd.Series, **kw: Any) -> None:
    """The zoom inset between the locator and the legend, and its outline on the main map."""
    from matplotlib.patches import Rectangle

    renderer = ax.figure.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    top = legend.get_window_extent(renderer).y1
    bottom = (top - frame.y0) / frame.height + 0.03
    height = 0.68 - 0.06 - bottom  # leave room for the inset's title
    inset = _zoom_inset(ax, zoom, xy, names, rect=(1.025, bottom, 0.33, height), **kw)
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


def _make_room(
    ax: Axes, held: pd.DataFrame | None, as_of: pd.Timestamp | None, base_ids: list[str], **kw: Any
) -> None:
    """Shrink a caller's Axes so the right-hand column (locator, legend, inset) fits in its space."""
    box = ax.get_position()
    base_text = None
    if held is not None:  # the widest the legend can get: every base outside the map
        base_text = _base_text(as_of, held, len(base_ids), len(base_ids))
    trial = _legend(ax, base_text=base_text, **kw)
    fig = ax.figure
    legend_w = trial.get_window_extent(fig.canvas.get_renderer()).width / (fig.dpi * fig.get_figwidth())
    trial.remove()
    # The map takes what the column leaves: at most 70 % of the width, the legend starting at 102 %.
    width = max(min(0.7 * box.width, (box.width - legend_w) / 1.02), 0.3 * box.width)
    ax.set_position((box.x0, box.y0, width, box.height))


def _lookup(places: gpd.GeoDataFrame, gazetteer: gpd.GeoDataFrame | None, base_ids: list[str]) -> Any:
    known = places if gazetteer is None else gazetteer
    select.check_place_ids(known, [*places["id"], *base_ids])
    return known


def plot_map(
    places: gpd.GeoDataFrame,
    presence: pd.DataFrame | None = None,
    *,
    sources: pd.DataFrame,
    layers: MapLayers,
    gazetteer: gpd.GeoDataFrame | None = None,
    as_of: dt.date | str | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    regions: bool = True,
    river: bool = True,
    extent: Sequence[float] | None = None,
) -> Axes:
    """Map places on Natural Earth boundaries, with French bases.

    ``places``: rows of the gazetteer to mark and label, in order. ``presence``: the presence
    table (None: no bases); the bases held on ``as_of`` are drawn, as known that day (None: every
    base ever held), and the legend says which. ``gazetteer`` locates the bases' places (default:
    ``places``). ``sources``: the sources table, whose publishers the source line names.
    ``layers``: the boundary layers (:func:`sahel_analysis.geo.load_map_layers`). ``regions``,
    ``river``: draw Mali's regions (with names), the Niger. ``extent``: ``(west, south, east,
    north)`` in degrees; None: the places with a margin. ``title``: by default the places' names;
    "" for none.

    Returns the map's Axes, in :data:`sahel_analysis.geo.MALI_CRS` metres. Without ``ax`` a figure
    is made with a column on the right for the locator, the legend and any zoom inset; with a
    caller's ``ax``, the map shrinks to leave that column inside the space ``ax`` had. Gids mark what
    was drawn: ``place:<id>``, ``base:<id>``, ``label:<id>``, ``scale-bar``, ``north-arrow``,
    ``locator``, ``zoom-inset``, ``source-line``.
    """
    as_of = select.as_timestamp(as_of)
    held = select.bases_as_of(presence, as_of) if presence is not None else None
    base_ids = list(dict.fromkeys(held["place_id"])) if held is not None else []
    # A base drawn low is one whose every row held (or ever held, without as_of) is low.
    low_ids = (
        set(citation.low_confidence(held).groupby(held["place_id"]).all().loc[lambda s: s].index)
        if held is not None and len(held)
        else set()
    )
    known = _lookup(places, gazetteer, base_ids)
    ids = list(dict.fromkeys(places["id"]))
    xy = geo.projected_xy(known)
    names = text_column(known, "name").set_axis(known["id"])

    with house_style():
        if ax is None:
            ax = new_axes((10.5, 6.6), (0.02, 0.1, 0.68, 0.8))
        else:
            _make_room(ax, held, as_of, base_ids, river=river, regions=regions, low=bool(low_ids))
        fig = ax.figure
        draw_base_map(ax, layers, regions=regions, river=river)
        style_frame(ax)
        all_in_mali = bool(places["country_iso3"].eq("MLI").all())
        bounds = _bounds(ax, xy, ids, all_in_mali, extent, layers)
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
            draw_marker(ax, xy[i], i, base=i in base_ids, place=i in ids, low=i in low_ids)

        placer = LabelPlacer(ax, fig.canvas.get_renderer())
        placer.avoid(*add_scale_bar(ax), *add_north_arrow(ax, geo.MALI_CRS))
        marked = [i for i in dict.fromkeys([*ids, *base_ids]) if in_view(i)]
        for i in marked:
            placer.add_point(*xy[i], radius_pt=5.5 if i in base_ids else 3.5)
        zoom = _label_points(placer, xy, names, marked, ids, base_ids)
        if river:
            _label_river(placer, layers.river, (x0, y0, x1, y1))
        _label_areas(placer, layers, (x0, y0, x1, y1), regions)

        # Right-hand column: locator on top, legend at the bottom, zoom inset in between
        # (the legend's height depends on its text, so it is measured first).
        add_locator(ax, layers, (x0, y0, x1, y1), (1.025, 0.68, 0.33, 0.32))
        base_text = None
        if held is not None:
            outside = sum(not in_view(i) for i in base_ids)
            base_text = _base_text(as_of, held, len(base_ids), outside)
        low = any(in_view(i) for i in low_ids)
        legend = _legend(ax, base_text=base_text, river=river, regions=regions, low=low)
        if zoom is not None:
            _add_zoom(
                ax,
                legend,
                zoom,
                xy,
                names,
                layers=layers,
                ids=ids,
                base_ids=base_ids,
                low_ids=low_ids,
                regions=regions,
                river=river,
            )

        ax.set_title(
            title if title is not None else join_names(list(names[ids])) or _("Mali and its neighbours"),
            loc="left",
        )
        drawn = known[known["id"].isin(set(ids) | set(base_ids))]
        cited = citation.source_line(drawn, *([held] if held is not None else []), sources=sources, limit=5)
        add_source_line(
            ax,
            _(
                "boundaries, Natural Earth (public domain); Mali's nine regions as before 2016 "
                "(Ménaka and Taoudénit, created since, are shown within Gao and Tombouctou). "
                "Places and bases: {sources}."
            ).format(sources=cited),
            many=True,
        )
    return describe(ax, _summary(ids, base_ids, names, as_of), _drawn_rows(known, ids, held), name="map")


def _summary(ids: list[str], base_ids: list[str], names: pd.Series, as_of: pd.Timestamp | None) -> str:
    values = {"places": join_names([str(names[i]) for i in ids]), "n": format_number(len(base_ids))}
    if not base_ids:
        return _("Map of Mali marking {places}, with no bases.").format(**values)
    if as_of is None:
        return ngettext(
            "Map of Mali marking {places}, with {n} French base held at any time.",
            "Map of Mali marking {places}, with {n} French bases held at any time.",
            len(base_ids),
        ).format(**values)
    return ngettext(
        "Map of Mali marking {places}, with {n} French base held on {date}.",
        "Map of Mali marking {places}, with {n} French bases held on {date}.",
        len(base_ids),
    ).format(**values, date=format_date(as_of))


def _drawn_rows(known: Any, ids: list[str], held: pd.DataFrame | None) -> pd.DataFrame:
    """The places marked and the bases drawn, one row each, with their coordinates and sources."""
    import pandas as pd

    where = ["id", "name_en", "latitude", "longitude"]
    marked = known[known["id"].isin(ids)][[*where, "source_id"]].assign(layer="place")
    frames = [marked.rename(columns={"id": "place_id"})]
    if held is not None and not held.empty:
        kept = ["id", "place_id", "operation", "start_date", "end_date", "source_id"]
        located = known[where].rename(columns={"id": "place_id"})
        frames.append(held[kept].merge(located, on="place_id", how="left").assign(layer="base"))
    rows = pd.concat(frames, ignore_index=True)
    return rows[["layer", *(c for c in rows.columns if c != "layer")]]
