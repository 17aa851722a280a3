"""The zoomed map of one place for its dossier: ``plot_place_map``.

It reuses the base map (layers, projection, frame, scale bar, north arrow) and the label placer of
the Mali map. Roads are not drawn: Natural Earth's roads layer is not in the packages the boundary
layers are derived from, and nothing is downloaded at build time. The layers, the towns and the
sources table are the caller's: the map reads no file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sahel_analysis import citation, geo, select
from sahel_analysis.i18n import _, format_date, format_number, ngettext, text_column
from sahel_analysis.viz.basemap import (
    BASE_GID,
    LABEL_GID,
    MALI_EDGE,
    MUTED_TEXT,
    PLACE_GID,
    REGION_EDGE,
    add_north_arrow,
    add_scale_bar,
    add_shapes,
    draw_base_map,
    halo,
    style_frame,
)
from sahel_analysis.viz.export import describe
from sahel_analysis.viz.layout import LabelPlacer
from sahel_analysis.viz.operations import legend_handles, operation_style, operations_in_order
from sahel_analysis.viz.style import (
    PALETTE,
    add_source_line,
    house_style,
    low_confidence,
    new_axes,
    with_low_confidence_entry,
)

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from sahel_analysis.geo import MapLayers

__all__ = ["HALF_WIDTH_KM", "plot_place_map"]

HALF_WIDTH_KM = 330.0  # the towns within 300 km, and room for their names
REGION_FILL = "#f3dfb8"


def _locator(
    ax: Axes, layers: MapLayers, xy: tuple[float, float], bounds: tuple[float, float, float, float]
) -> Axes:
    """Mali and its regions in an inset at the top right, the place a dot, the main map's frame outlined."""
    from matplotlib.patches import Rectangle

    inset = ax.inset_axes((1.03, 0.6, 0.42, 0.4))
    inset.set_gid("locator")
    draw_base_map(inset, layers, regions=True, river=False)
    style_frame(inset)
    mx0, my0, mx1, my1 = layers.mali_bounds
    x0, y0 = min(mx0, bounds[0]), min(my0, bounds[1])
    x1, y1 = max(mx1, bounds[2]), max(my1, bounds[3])
    pad = 0.04 * max(x1 - x0, y1 - y0)
    inset.set_xlim(x0 - pad, x1 + pad)
    inset.set_ylim(y0 - pad, y1 + pad)
    inset.set_aspect("equal", adjustable="box")
    inset.set_anchor("NW")
    inset.add_patch(
        Rectangle(
            (bounds[0], bounds[1]),
            bounds[2] - bounds[0],
            bounds[3] - bounds[1],
            facecolor="none",
            edgecolor=PALETTE["vermillion"],
            lw=1.0,
            zorder=8,
        )
    )
    inset.scatter(*xy, s=18, color="black", zorder=9)
    inset.set_title(_("Where it is in Mali"), fontsize=8, loc="left", fontweight="normal", pad=2)
    return inset


def plot_place_map(
    place: pd.Series,
    gazetteer: pd.DataFrame,
    presence: pd.DataFrame,
    towns: pd.DataFrame,
    *,
    as_of: Any,
    sources: pd.DataFrame,
    layers: MapLayers,
    half_width_km: float = HALF_WIDTH_KM,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """A map centred on ``place`` (a gazetteer row): its region, towns around it, the Niger, bases.

    ``towns``: Natural Earth populated places to mark (e.g. :func:`sahel_analysis.dossier.towns_near`).
    ``presence``: the presence table; the bases held on ``as_of``, as known that day, that fall in
    the view are drawn. Other gazetteer places in the view are marked too. Names are written where
    they fit. The view is ``half_width_km`` either side of the place. ``sources``: the sources
    table, whose publishers the source line names; ``layers``: the boundary layers
    (:func:`sahel_analysis.geo.load_map_layers`). ``title``: "" for none. Gids: ``place:<id>``,
    ``base:<presence id>``, ``town:<name>``, ``label:<id or name>``, ``region``, ``scale-bar``,
    ``north-arrow``, ``locator``, ``source-line``.
    """
    when = select.as_timestamp(as_of, "as_of")
    pid = str(place["id"])
    select.check_place_ids(gazetteer, [pid])
    xy = geo.projected_xy(gazetteer)
    names = dict(zip(gazetteer["id"], text_column(gazetteer, "name"), strict=True))
    # A town of Natural Earth named like a place of the record is that place: not marked twice.
    known_names = {*gazetteer["name_en"], *gazetteer.get("name_fr", gazetteer["name_en"]).dropna()}
    cx, cy = xy[pid]
    half = half_width_km * 1000
    x0, x1, y0, y1 = cx - half, cx + half, cy - half, cy + half
    held = select.bases_as_of(presence, when)
    held = held[held["place_id"].map(lambda p: p in xy and x0 <= xy[p][0] <= x1 and y0 <= xy[p][1] <= y1)]

    with house_style():
        ax = ax if ax is not None else new_axes((10, 7), (0.02, 0.1, 0.6, 0.82))
        draw_base_map(ax, layers, regions=True, river=True)
        style_frame(ax)
        inside = _draw_region(ax, layers, (cx, cy))
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect("equal", adjustable="box")
        ax.apply_aspect()
        placer = LabelPlacer(ax, ax.figure.canvas.get_renderer())
        placer.avoid(*add_scale_bar(ax), *add_north_arrow(ax, geo.MALI_CRS))
        ax.scatter(
            cx, cy, s=190, marker="*", color="black", edgecolor="white", lw=0.8, zorder=8, gid=PLACE_GID + pid
        )
        placer.add_point(cx, cy, radius_pt=8)
        for r in held.itertuples():
            colour, marker = operation_style(str(r.operation))
            offset = 0 if r.place_id != pid else 9_000  # beside the star, not under it
            base = ax.scatter(xy[r.place_id][0] + offset, xy[r.place_id][1] + offset, s=60, marker=marker,
                              facecolor=colour, edgecolor="#333333", lw=0.5, zorder=7, gid=BASE_GID + str(r.id))  # fmt: skip
            if getattr(r, "confidence", None) == citation.LOW:
                low_confidence(base)
            placer.add_point(*xy[r.place_id], radius_pt=5)
        others = [i for i in xy if i != pid and x0 <= xy[i][0] <= x1 and y0 <= xy[i][1] <= y1]
        for i in others:
            ax.scatter(*xy[i], s=26, color="black", edgecolor="white", lw=0.6, zorder=6, gid=PLACE_GID + i)
            placer.add_point(*xy[i], radius_pt=4)
        tx = _towns_in_view(towns, known_names, (x0, y0, x1, y1))
        for name, x, y in tx:
            ax.scatter(x, y, s=10, color=MUTED_TEXT, zorder=5, gid=f"town:{name}")
            placer.add_point(x, y, radius_pt=2.5)
        placer.place((cx, cy), names[pid], radii=(7.0, 11.0), gid=LABEL_GID + pid, fontsize=12, fontweight="bold",
                     path_effects=halo(3), zorder=10)  # fmt: skip
        for i in others:
            placer.place(
                xy[i],
                names[i],
                gid=LABEL_GID + i,
                fontsize=9,
                fontweight="bold",
                path_effects=halo(),
                zorder=9,
            )
        for name, x, y in tx:
            placer.place((x, y), name, radii=(3.0, 6.0), leader_radii=(), gid=LABEL_GID + name, fontsize=7.5,
                         color="#444444", path_effects=halo(2), zorder=8)  # fmt: skip
        _label_region(placer, inside, (x0, y0, x1, y1))
        _locator(ax, layers, (cx, cy), (x0, y0, x1, y1))
        _legend(ax, held)
        default = _("{place} and its surroundings, {date}").format(place=names[pid], date=format_date(when))
        ax.set_title(default if title is None else title, loc="left")
        marked = gazetteer[gazetteer["id"].isin([pid, *others])]
        add_source_line(
            ax,
            _(
                "boundaries, towns and the Niger, Natural Earth (public domain); Mali's regions as before "
                "2016. Places and bases: {sources}."
            ).format(sources=citation.source_line(marked, held, sources=sources, limit=5)),
            many=True,
        )
    summary = ngettext(
        "Map of {place}, its region and the towns around it, with {n} French base held.",
        "Map of {place}, its region and the towns around it, with {n} French bases held.",
        len(held),
    ).format(place=names[pid], n=format_number(len(held)))
    return describe(ax, summary, held, name=f"{pid}-map")


def _draw_region(ax: Axes, layers: MapLayers, centre: tuple[float, float]) -> Any:
    """Fill the region holding ``centre`` (projected); return its row (none outside Mali)."""
    import shapely

    region = layers.regions
    inside = region[region.contains(shapely.Point(*centre))]
    if len(inside):
        patch = add_shapes(
            ax, inside.geometry, facecolor=REGION_FILL, edgecolor=REGION_EDGE, lw=1.0, zorder=1.5
        )
        patch.set_gid("region")
    return inside


def _towns_in_view(
    towns: pd.DataFrame, skip: set[str], bounds: tuple[float, float, float, float]
) -> list[tuple[str, float, float]]:
    """``(name, x, y)`` of the towns inside ``bounds`` (projected), leaving out the names in ``skip``."""
    import geopandas as gpd

    x0, y0, x1, y1 = bounds
    skipped = {n.lower() for n in skip}
    points = gpd.GeoSeries(towns.geometry.values, crs=geo.CRS).to_crs(geo.MALI_CRS)
    return [
        (name, p.x, p.y)
        for name, p in zip(towns["name"], points, strict=True)
        if name.lower() not in skipped and x0 <= p.x <= x1 and y0 <= p.y <= y1
    ]


def _label_region(placer: LabelPlacer, inside: Any, bounds: tuple[float, float, float, float]) -> None:
    """Name the region where most of it shows in the view."""
    import shapely

    if not len(inside):
        return
    spot = inside.geometry.iloc[0].intersection(shapely.box(*bounds))
    label = shapely.ops.polylabel(max(getattr(spot, "geoms", [spot]), key=lambda g: g.area), tolerance=5_000)
    name = _("{region} region").format(region=inside["name"].iloc[0]).upper()
    placer.place((label.x, label.y), name, centred=True,
                 radii=(20.0, 40.0), leader_radii=(), gid="area:region", fontsize=8, style="italic",
                 color="#8a7650", path_effects=halo(2), zorder=7)  # fmt: skip


def _legend(ax: Axes, held: pd.DataFrame) -> Any:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = [
        Line2D([], [], marker="*", ls="", color="black", mec="white", ms=12, label=_("The place")),
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            color="black",
            mec="white",
            ms=5.5,
            label=_("Other places of the record"),
        ),
        Line2D([], [], marker="o", ls="", color=MUTED_TEXT, ms=3.5, label=_("Towns (Natural Earth)")),
    ]
    ops = operations_in_order(held["operation"])
    for handle in legend_handles(ops):
        handle.set_label(_("{operation} base, held that day").format(operation=handle.get_label()))
        handles.append(handle)
    handles = with_low_confidence_entry(handles, citation.low_confidence(held), "marker")
    handles += [
        Line2D([], [], color=PALETTE["blue"], lw=1.3, label=_("River Niger")),
        Patch(facecolor=REGION_FILL, edgecolor=REGION_EDGE, label=_("Its region (pre-2016)")),
        Line2D([], [], color=MALI_EDGE, lw=1.3, label=_("Mali's border")),
    ]
    return ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(1.03, 0.0), fontsize=8, frameon=False,
                     borderaxespad=0.0)  # fmt: skip
