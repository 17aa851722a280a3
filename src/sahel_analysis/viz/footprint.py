"""The French footprint across West and Central Africa on a map: one date, small multiples, an animation.

The maps reuse the base map of :mod:`sahel_analysis.viz.basemap` (same layers, projection, frame and
scale bar as the Mali map). Each operation or status has one marker shape and colour
(:mod:`sahel_analysis.viz.operations`); a value the table gains later gets a fallback style, not an
error. The bars over time and the counts are in :mod:`sahel_analysis.viz.bases`. The boundary
layers and the sources table are the caller's: nothing here reads a file.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sahel_analysis import citation, footprint, geo, markup, select
from sahel_analysis.i18n import _, format_date, format_number, ngettext, text_column
from sahel_analysis.viz.basemap import (
    BASE_GID,
    LABEL_GID,
    add_scale_bar,
    draw_base_map,
    halo,
    map_bounds,
    style_frame,
)
from sahel_analysis.viz.export import describe
from sahel_analysis.viz.layout import LabelPlacer
from sahel_analysis.viz.operations import (
    BASE_SIZE,
    legend_handles,
    operation_style,
    operations_in_order,
)
from sahel_analysis.viz.style import (
    add_source_line,
    house_style,
    low_confidence,
    low_confidence_handle,
    new_axes,
    with_low_confidence_entry,
)

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from sahel_analysis.geo import MapLayers

__all__ = [
    "animate_footprint",
    "footprint_apng",
    "plot_footprint",
    "plot_footprints",
]


# The default view: every base in the record, Dakar to Djibouti and south to Libreville.
WIDE = footprint.EXTENTS["west_central_africa"]


def _bases_source(cited: str) -> str:
    return _("boundaries, Natural Earth (public domain). Bases: {sources}.").format(sources=cited)


def _bases_on(when: str, n: int) -> str:
    """A map's or a frame's heading: "4 June 2021: 12 bases"."""
    return ngettext("{date}: {n} base", "{date}: {n} bases", n).format(date=when, n=format_number(n))


def _frame_map(
    ax: Axes, layers: MapLayers, extent: Sequence[float] | None, presence: pd.DataFrame, places: pd.DataFrame
) -> tuple[float, float, float, float]:
    """Base map, frame and limits for ``extent`` (None: every base of ``presence``); returns the limits in metres."""
    draw_base_map(ax, layers, regions=False, river=True)
    style_frame(ax)
    bases = places[places["id"].isin(set(presence["place_id"]))]
    points = list(geo.projected_xy(bases).values()) if extent is None else []
    x0, y0, x1, y1 = map_bounds(ax, extent, points, layers.mali_bounds)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.apply_aspect()
    return x0, y0, x1, y1


def _draw_base(ax: Axes, row: Any, xy: tuple[float, float], **kw: Any) -> Any:
    colour, marker = operation_style(str(row.operation))
    artist = ax.scatter(
        *xy,
        s=BASE_SIZE,
        marker=marker,
        facecolor=colour,
        edgecolor="#333333",
        lw=0.5,
        zorder=6,
        gid=BASE_GID + str(row.id),
        **kw,
    )
    return low_confidence(artist) if getattr(row, "confidence", None) == citation.LOW else artist


def _key(rows: pd.DataFrame) -> list[Any]:
    """One entry per operation among ``rows``, and the low-confidence entry if one of them is low."""
    handles = legend_handles(operations_in_order(rows["operation"]))
    return with_low_confidence_entry(handles, citation.low_confidence(rows), "marker")


def _map_keys(ax: Axes, rows: pd.DataFrame, drawn: pd.DataFrame, fontsize: float) -> list[Any]:
    """The key inside a map: the operations among ``rows`` lower left and, when a row ``drawn``
    is low, the low-confidence entry upper left (over the Sahara, where no base is), so that the
    first stays narrow enough to leave the coastal bases and their names in view."""
    style = {"fontsize": fontsize, "frameon": True, "framealpha": 0.9, "edgecolor": "none"}
    keys = [
        ax.legend(handles=legend_handles(operations_in_order(rows["operation"])), loc="lower left", **style)
    ]
    if citation.low_confidence(drawn).any():
        ax.add_artist(keys[0])
        keys.append(ax.legend(handles=[low_confidence_handle("marker")], loc="upper left", **style))
    return keys


def plot_footprint(
    presence: pd.DataFrame,
    places: pd.DataFrame,
    *,
    on: Any,
    sources: pd.DataFrame,
    layers: MapLayers,
    extent: Sequence[float] | None = WIDE,
    ax: Axes | None = None,
    title: str | None = None,
    legend: bool = True,
    source: bool = True,
    fontsize: float = 8.0,
) -> Axes:
    """The French bases held on the date ``on``, on a regional map.

    ``presence``: the presence table (every row; those held on ``on`` are drawn). ``places``: the
    gazetteer (to locate them). ``sources``: the sources table, whose publishers the source line
    names. ``layers``: the boundary layers (:func:`sahel_analysis.geo.load_map_layers`).
    ``extent``: ``(west, south, east, north)`` in degrees, as on every map (named ones in
    :data:`sahel_analysis.footprint.EXTENTS`); None fits every base of ``presence``. A base is a
    marker whose shape and colour say the operation or status; names are written only where they
    fit clear of every other marker and label. Bases outside the extent are named in a note.
    ``title``: "" for none. Gids: ``base:<presence id>``, ``label:<place id>``, ``outside``,
    ``scale-bar``, ``source-line``.
    """
    when = select.as_timestamp(on, "on")
    select.check_place_ids(places, presence["place_id"])
    held = select.bases_held(presence, when)
    xy = geo.projected_xy(places)
    names = dict(zip(places["id"], text_column(places, "name"), strict=True))
    with house_style():
        if ax is None:
            ax = new_axes((10, 5.2), (0.02, 0.12, 0.96, 0.8))
        x0, y0, x1, y1 = _frame_map(ax, layers, extent, presence, places)
        fig = ax.figure
        placer = LabelPlacer(ax, fig.canvas.get_renderer())
        inside = [
            r for r in held.itertuples() if x0 <= xy[r.place_id][0] <= x1 and y0 <= xy[r.place_id][1] <= y1
        ]
        outside = [r for r in held.itertuples() if r not in inside]
        for r in inside:
            _draw_base(ax, r, xy[r.place_id])
            placer.add_point(*xy[r.place_id], radius_pt=4.5)
        if legend and len(held):
            placer.avoid(*_map_keys(ax, held, held[held["id"].isin([r.id for r in inside])], fontsize))
        placer.avoid(*add_scale_bar(ax, loc=(0.97 - 0.2, 0.05), fraction=0.15, fontsize=fontsize - 1))
        if outside:
            note = ax.text(
                0.99,
                0.98,
                _("Also held, outside the map: {places}").format(
                    places=", ".join(names[r.place_id] for r in outside)
                ),
                transform=ax.transAxes,
                ha="right",
                va="top",
                fontsize=fontsize - 1,
                gid="outside",
                path_effects=halo(2),
                zorder=9,
            )
            placer.avoid(note)
        for pid in dict.fromkeys(r.place_id for r in inside):
            placer.place(
                xy[pid],
                names[pid],
                radii=(3.5, 7.0),
                leader_radii=(),
                gid=LABEL_GID + pid,
                fontsize=fontsize,
                path_effects=halo(2),
                zorder=9,
            )
        if title is None:
            title = _("French bases held on {date} ({n})").format(
                date=format_date(when), n=format_number(len(held))
            )
        ax.set_title(title, loc="left", fontsize=fontsize + 2)
        if source:
            add_source_line(
                ax, _bases_source(citation.source_line(held, sources=sources, limit=4)), many=True
            )
    where = ", ".join(dict.fromkeys(names.get(p, p) for p in held["place_id"])) or _("none")
    summary = _("Map of the French bases held on {date}: {places}.").format(
        date=format_date(when), places=where
    )
    return describe(ax, summary, held, name=f"bases-{when:%Y-%m-%d}")


def plot_footprints(
    presence: pd.DataFrame,
    places: pd.DataFrame,
    dates: Sequence[Any],
    *,
    sources: pd.DataFrame,
    layers: MapLayers,
    extent: Sequence[float] | None = WIDE,
    ncols: int = 2,
    ax: Sequence[Axes] | None = None,
    title: str | None = None,
) -> list[Axes]:
    """Small multiples: one :func:`plot_footprint` map per date, one key and one source line.

    Without ``ax`` a figure of ``ncols`` columns is made; ``ax`` is one Axes per date otherwise.
    The key, the title ("" for none) and the source line are the figure's. Returns the maps' Axes
    in the order of ``dates``.
    """
    import math

    import matplotlib.pyplot as plt

    select.check_place_ids(places, presence["place_id"])
    whens = [select.as_timestamp(d, "dates") for d in dates]
    held = [select.bases_held(presence, w) for w in whens]
    with house_style():
        if ax is None:
            ncols = max(1, min(ncols, len(whens)))
            nrows = math.ceil(len(whens) / ncols)
            fig, grid = plt.subplots(nrows, ncols, figsize=(6.2 * ncols, 3.4 * nrows + 1.0), squeeze=False)
            fig.subplots_adjust(
                left=0.01,
                right=0.99,
                top=1 - 0.8 / fig.get_figheight(),
                bottom=0.9 / fig.get_figheight(),
                wspace=0.03,
                hspace=0.12,
            )
            slots = list(grid.flat)
        else:
            slots = list(ax)
            if len(slots) != len(whens):
                raise ValueError(f"ax: expected one Axes per date ({len(whens)}), found {len(slots)}")
            fig = slots[0].figure
        axes = []
        for slot, when, shown in zip(slots, whens, held, strict=False):
            n = len(shown)
            plot_footprint(
                presence,
                places,
                on=when,
                sources=sources,
                layers=layers,
                extent=extent,
                ax=slot,
                legend=False,
                source=False,
                fontsize=7.0,
                title=_bases_on(format_date(when), n),
            )
            axes.append(slot)
        for extra in slots[len(whens) :]:
            extra.remove()
        import pandas as pd

        every = pd.concat(held) if held else presence.iloc[0:0]
        fig.legend(
            handles=_key(every),
            loc="lower left",
            bbox_to_anchor=(0.01, 0.25 / fig.get_figheight()),
            ncols=4,
            fontsize=8,
            frameon=False,
        )
        fig.suptitle(
            _("The French footprint in West and Central Africa") if title is None else title,
            x=0.01,
            y=1 - 0.12 / fig.get_figheight(),
            ha="left",
            va="top",
            fontsize=13,
        )
        add_source_line(
            axes[-1], _bases_source(citation.source_line(every, sources=sources, limit=6)), many=True
        )
        # The line goes under the whole figure, not under the last map.
        line = [t for t in axes[-1].texts if t.get_gid() == "source-line"][0]
        line.set_transform(fig.transFigure)
        line.xy = (0.01, 0.0)
        line.xycoords = "figure fraction"
        line.set_position((0, 4))
        line.set_va("bottom")
    return axes


def footprint_apng(
    presence: pd.DataFrame,
    places: pd.DataFrame,
    *,
    sources: pd.DataFrame,
    layers: MapLayers,
    start: Any = footprint.FIRST_MONTH,
    end: Any = None,
    extent: Sequence[float] | None = WIDE,
    dpi: float = 70.0,
    ms_per_frame: int = 280,
) -> bytes:
    """An animated PNG of the footprint, one frame per month (the bases held on its first day).

    The map, its labels' positions and the key are drawn once; each frame only adds the markers,
    labels and date of its month (blitting), and the PNG stores each frame as its change from the
    last, which keeps a 160-frame animation to a few hundred kilobytes.
    """
    import matplotlib.pyplot as plt
    import numpy as np
    from PIL import Image

    select.check_place_ids(places, presence["place_id"])
    months = footprint.footprint_months(start, end or footprint.latest_date(presence))
    xy = geo.projected_xy(places)
    names = dict(zip(places["id"], text_column(places, "name"), strict=True))
    shown = presence[
        (presence["end_date"].isna() | (presence["end_date"] > months[0]))
        & (presence["start_date"] <= months[-1])
    ]
    frames: list[Image.Image] = []
    with house_style():
        ax = new_axes((8.6, 4.9), (0.005, 0.13, 0.99, 0.8))
        fig = ax.figure
        fig.set_dpi(dpi)
        x0, y0, x1, y1 = _frame_map(ax, layers, extent, presence, places)
        placer = LabelPlacer(ax, fig.canvas.get_renderer())
        placer.avoid(*_map_keys(ax, shown, shown, 8))
        placer.avoid(*add_scale_bar(ax, loc=(0.77, 0.05), fraction=0.15, fontsize=7))
        ax.set_title(_("The French footprint, month by month"), loc="left", fontsize=11)
        add_source_line(ax, _bases_source(citation.source_line(shown, sources=sources, limit=4)), many=True)
        stamp = ax.text(0.99, 0.98, "", transform=ax.transAxes, ha="right", va="top", fontsize=12,
                        fontweight="bold", animated=True, path_effects=halo(3), zorder=10)  # fmt: skip
        markers = {r.id: _draw_base(ax, r, xy[r.place_id], animated=True) for r in shown.itertuples()}
        for pid in dict.fromkeys(shown["place_id"]):
            placer.add_point(*xy[pid], radius_pt=4.5)
        labels = {}
        for pid in dict.fromkeys(shown["place_id"]):
            label = placer.place(xy[pid], names[pid], radii=(3.5, 7.0), leader_radii=(), gid=LABEL_GID + pid,
                                 fontsize=7.5, path_effects=halo(2), zorder=9)  # fmt: skip
            if label is not None:
                label.set_animated(True)
                labels[pid] = label
        fig.canvas.draw()
        background = fig.canvas.copy_from_bbox(fig.bbox)
        for month in months:
            held = select.bases_held(shown, month)
            fig.canvas.restore_region(background)
            for r in held.itertuples():
                ax.draw_artist(markers[r.id])
            for pid in dict.fromkeys(held["place_id"]):
                if pid in labels:
                    ax.draw_artist(labels[pid])
            stamp.set_text(_bases_on(format_date(month, "month"), len(held)))
            ax.draw_artist(stamp)
            rgba = np.asarray(fig.canvas.buffer_rgba())
            frames.append(Image.fromarray(rgba[..., :3].copy()))
        plt.close(fig)
    out = io.BytesIO()
    frames[0].save(out, format="PNG", save_all=True, append_images=frames[1:], duration=ms_per_frame, loop=0)
    return out.getvalue()


def animate_footprint(
    presence: pd.DataFrame,
    places: pd.DataFrame,
    *,
    sources: pd.DataFrame,
    layers: MapLayers,
    start: Any = footprint.FIRST_MONTH,
    end: Any = None,
    extent: Sequence[float] | None = WIDE,
    dpi: float = 70.0,
) -> str:
    """The :func:`footprint_apng` animation as an HTML ``<img>`` (embedded, plays offline, loops)."""
    data = footprint_apng(
        presence, places, sources=sources, layers=layers, start=start, end=end, extent=extent, dpi=dpi
    )
    last = footprint.latest_date(presence) if end is None else select.as_timestamp(end, "end")
    alt = _(
        "Animated map: the French bases held on the first day of each month from {first} to {last}"
    ).format(first=format_date(select.as_timestamp(start), "month"), last=format_date(last, "month"))
    src = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
    return markup.image_html(src, alt, "footprint-animation")
